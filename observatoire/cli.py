"""Command line: `observatoire demo | check | snapshots`, the same code the pages use.

Exit codes: 0 success, 1 invalid input (nothing written), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import __version__
from .errors import ObservatoireError, ValidationError
from .settings import SETTINGS, data_dir

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class FrenchParser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit with 2, in French
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog} : erreur d'utilisation : {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchParser(prog="observatoire", description="Observatoire des usages du numérique éducatif.")
    parser.add_argument("--version", action="version", version=f"observatoire {__version__}")
    parser.add_argument("--data-dir", help=next(s.help for s in SETTINGS if s.name == "data_dir")
                        + " Par défaut : $OBSERVATOIRE_DATA_DIR ou data/.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=FrenchParser)
    demo = sub.add_parser("demo", help="Génère les données de démonstration (déterministes).")
    demo.add_argument("--seed", type=int, default=None, help="Graine aléatoire (défaut : fixe).")
    demo.add_argument("--scale", choices=["guyane", "academie", "national"], default="guyane")
    demo.add_argument("--force", action="store_true", help="Remplace une démonstration existante.")
    demo.add_argument("--if-missing", action="store_true", help="Ne fait rien si des instantanés existent déjà.")
    sub.add_parser("check", help="Vérifie feuille de route, territoire et instantanés.")
    sub.add_parser("snapshots", help="Liste les instantanés.")
    sql = sub.add_parser("sql", help="Exécute une requête SELECT en lecture seule sur les vues documentées.")
    sql.add_argument("query", help="Une seule instruction SELECT (ou WITH, DESCRIBE, SUMMARIZE).")
    sql.add_argument("--format", choices=["table", "csv"], default="table",
                     help="table (défaut) ou csv (séparateur ';', virgule décimale).")
    sql.add_argument("--limit", type=int, default=None,
                     help="Nombre maximal de lignes (défaut : réglage sql_max_rows).")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    directory = data_dir(args.data_dir)
    try:
        return COMMANDS[args.command](args, directory)
    except ValidationError as exc:
        print(f"Erreur : {exc.source}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_INVALID
    except (ObservatoireError, FileExistsError) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_INVALID


def cmd_demo(args, directory: Path) -> int:
    from .demo import DEFAULT_SEED, build_demo
    from .snapshots import list_snapshots

    if args.if_missing and list_snapshots(directory):
        print(f"Des instantanés existent déjà dans {directory} : rien à faire.")
        return EXIT_OK
    started = time.perf_counter()
    manifest = build_demo(directory, seed=args.seed if args.seed is not None else DEFAULT_SEED,
                          scale=args.scale, force=args.force)
    print(f"Démonstration écrite dans {directory} : {manifest['sites']} établissements, "
          f"{manifest['snapshots']} instantanés, {manifest['facts']} faits "
          f"({time.perf_counter() - started:.1f} s).")
    return EXIT_OK


def cmd_check(args, directory: Path) -> int:
    from .check import check_data_dir

    problems = check_data_dir(directory)
    if problems:
        print(f"{len(problems)} problème(s) dans {directory} :", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_INVALID
    print(f"{directory} : feuille de route, territoire et instantanés cohérents.")
    return EXIT_OK


def cmd_snapshots(args, directory: Path) -> int:
    from .dates import format_date_fr
    from .snapshots import list_snapshots

    snapshots = list_snapshots(directory)
    if not snapshots:
        print(f"Aucun instantané dans {directory}.")
        return EXIT_OK
    print(f"{'date':<12} {'faits':>9}  {'démo':<5} créé le")
    for info in snapshots:
        print(f"{info.snapshot_date.isoformat():<12} {info.rows:>9}  {'oui' if info.manifest.get('demo') else 'non':<5} "
              f"{info.manifest.get('created_at', '?')}")
    print(f"{len(snapshots)} instantané(s), du {format_date_fr(snapshots[0].snapshot_date)} "
          f"au {format_date_fr(snapshots[-1].snapshot_date)}.")
    return EXIT_OK


def cmd_sql(args, directory: Path) -> int:
    from .exports import to_csv_bytes
    from .sandbox import SqlRefused, run_sql
    from .store import Store

    if args.limit is not None and args.limit < 1:
        print("Erreur : --limit doit être un entier positif.", file=sys.stderr)
        return EXIT_USAGE
    store = Store(directory)
    try:
        result = run_sql(store, args.query, max_rows=args.limit)
    except SqlRefused as exc:
        print(f"Requête refusée : {exc}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        store.close()
    if args.format == "csv":
        sys.stdout.write(to_csv_bytes(result.frame).decode("utf-8-sig"))
    else:
        print(result.frame.to_string(index=False) if len(result.frame.columns) else "(aucune colonne)")
    print(result.summary(), file=sys.stderr)
    return EXIT_OK


COMMANDS = {"demo": cmd_demo, "check": cmd_check, "snapshots": cmd_snapshots, "sql": cmd_sql}

if __name__ == "__main__":
    sys.exit(main())
