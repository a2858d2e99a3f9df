"""Command line: `observatoire demo | check | snapshots | sql | import | template | copil | values | digest |
annotate | bench | load`, the same code the pages use.

Exit codes: 0 success, 1 invalid input (nothing written), 2 usage error.
"""

from __future__ import annotations

import getpass
import os
import sys
import time
from pathlib import Path

from observatoire.cli_parser import EXIT_INVALID, EXIT_OK, EXIT_USAGE, build_parser
from observatoire.cli_values import (UsageError, cmd_values, filters_of,
                                     parse_day, snapshots_exist)
from observatoire.access.audit import record
from observatoire.access.roles import grant_for
from observatoire.errors import AccessDenied, ObservatoireError, ValidationError, os_error_message, safe_text
from observatoire.settings import BUNDLED_TERRITORIES, access_file, audit_file, data_dir, territory_folder

# Commands that write data or read it unrestricted: for the DRANE and administrators (`snapshots` only when it
# deletes or restores); `copil` and `values` obey the perimeter of --as.
DATA_COMMANDS = {"demo", "check", "snapshots", "import", "sql", "bench", "digest", "annotate"}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    directory = data_dir(args.data_dir)
    if args.territory:
        if not (territory_folder(directory, args.territory) / "territory.toml").exists():
            known = ", ".join(sorted(p.parent.name for p in BUNDLED_TERRITORIES.glob("*/territory.toml")))
            print(f"observatoire : erreur d'utilisation : territoire « {args.territory} » inconnu ({known})",
                  file=sys.stderr)
            return EXIT_USAGE
        os.environ["OBSERVATOIRE_TERRITORY"] = args.territory  # every command, and the store, read it
    try:
        args.grant = grant_for(args.identity, access_file(directory))
        if args.command in DATA_COMMANDS and (args.command != "snapshots" or args.delete or args.restore) \
                and not args.grant.may_manage_data:
            raise AccessDenied(f"accès refusé : « {args.command} » est réservé à la DRANE et aux administrateurs")
        return COMMANDS[args.command](args, directory)
    except UsageError:
        return EXIT_USAGE
    except ValidationError as exc:
        print(f"Erreur : {exc.source}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_INVALID
    except (ObservatoireError, FileExistsError) as exc:
        print(f"Erreur : {safe_text(exc, 2000)}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:  # full disk, read-only folder, no permission: writes are atomic, nothing changed
        print(f"Erreur : {os_error_message(exc, ACTIONS.get(args.command, 'la commande'))}", file=sys.stderr)
        return EXIT_INVALID
    except MemoryError:
        print("Erreur : mémoire insuffisante ; rien n'a été modifié. Fermez d'autres programmes ou découpez le fichier, "
              "puis relancez.", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("Interrompu : les écritures sont atomiques, les données déjà enregistrées sont intactes.", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # noqa: BLE001 - the last resort: a French sentence, never a traceback
        if os.environ.get("OBSERVATOIRE_DEBUG"):
            raise
        print(f"Erreur inattendue ({type(exc).__name__}) : les écritures sont atomiques, les données déjà enregistrées "
              "sont intactes. Relancez avec OBSERVATOIRE_DEBUG=1 pour le détail technique, et signalez-la.", file=sys.stderr)
        return EXIT_INVALID


ACTIONS = {"import": "l'import", "demo": "la génération de la démonstration", "snapshots": "la modification des instantanés",
           "template": "l'écriture du modèle", "copil": "l'écriture du diaporama", "sql": "la requête",
           "check": "la vérification", "bench": "la mesure"}


def _audit(args, directory: Path, action: str, what) -> None:
    who = args.grant.identity if args.identity else f"local:{getpass.getuser()}"
    record(audit_file(directory), who, action, what)


def cmd_demo(args, directory: Path) -> int:
    from observatoire.demo import DEFAULT_SEED, build_demo
    from observatoire.storage.snapshots import list_snapshots

    if args.if_missing and list_snapshots(directory):
        print(f"Des instantanés existent déjà dans {directory} : rien à faire.")
        return EXIT_OK
    started = time.perf_counter()
    manifest = build_demo(directory, seed=args.seed if args.seed is not None else DEFAULT_SEED,
                          scale=args.scale, force=args.force)
    from observatoire.output.numbers import format_duration, format_number

    print(f"Démonstration écrite dans {directory} : {format_number(manifest['sites'])} établissements, "
          f"{format_number(manifest['snapshots'])} instantanés, {format_number(manifest['facts'])} faits "
          f"({format_duration(time.perf_counter() - started)}).")
    return EXIT_OK


def cmd_check(args, directory: Path) -> int:
    from observatoire.storage.check import check_data_dir

    problems = check_data_dir(directory)
    if problems:
        print(f"{len(problems)} problème(s) dans {directory} :", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_INVALID
    print(f"{directory} : feuille de route, territoire et instantanés cohérents.")
    return EXIT_OK


def cmd_snapshots(args, directory: Path) -> int:
    from observatoire.model.dates import format_date_fr
    from observatoire.output.numbers import format_number, format_timestamp
    from observatoire.storage.snapshots import list_snapshots

    if args.delete or args.restore:
        return _change_snapshot(args, directory)

    snapshots = list_snapshots(directory)
    if not snapshots:
        print(f"Aucun instantané dans {directory}.")
        return EXIT_OK
    print(f"{'date':<12} {'faits':>9}  {'démo':<5} créé le")
    for info in snapshots:
        print(f"{info.snapshot_date.isoformat():<12} {format_number(info.rows):>9}  "
              f"{'oui' if info.manifest.get('demo') else 'non':<5} {format_timestamp(info.manifest.get('created_at'))}")
    print(f"{len(snapshots)} instantané(s), du {format_date_fr(snapshots[0].snapshot_date)} "
          f"au {format_date_fr(snapshots[-1].snapshot_date)}.")
    return EXIT_OK


def cmd_sql(args, directory: Path) -> int:
    from observatoire.output.tables import to_csv_bytes
    from observatoire.console.sandbox import run_sql
    from observatoire.console.statement import SqlRefused
    from observatoire.storage.store import Store

    if args.limit is not None and args.limit < 1:
        print("Erreur : --limit doit être un entier positif.", file=sys.stderr)
        return EXIT_USAGE
    store = Store(directory)
    _audit(args, directory, "console", " ".join(args.query.split()))
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
        shown = result.frame.astype(object).where(result.frame.notna(), "")  # an empty cell, not None or NaN
        print(shown.to_string(index=False) if len(result.frame.columns) else "(aucune colonne)")
    print(result.summary(), file=sys.stderr)
    return EXIT_OK


def _change_snapshot(args, directory: Path) -> int:
    from datetime import date

    from observatoire.model.dates import format_date_fr
    from observatoire.storage.snapshots import data_lock, delete_snapshot, list_archived, list_snapshots, restore_snapshot

    text = args.delete or args.restore
    try:
        day = date.fromisoformat(text)
    except ValueError:
        print(f"Erreur : « {text} » n'est pas une date (AAAA-MM-JJ).", file=sys.stderr)
        return EXIT_USAGE
    current = next((s for s in list_snapshots(directory) if s.snapshot_date == day), None)
    if args.delete:
        if current is None:
            print(f"Erreur : aucun instantané du {format_date_fr(day)}.", file=sys.stderr)
            return EXIT_INVALID
        question = (f"Archiver l'instantané du {format_date_fr(day)} ({current.rows} faits) ? "
                    "Il disparaît des pages et reste restaurable (--restore).")
    else:
        versions = list_archived(directory, day)
        chosen = [v for v in versions if args.version is None or v.version == args.version]
        if not chosen:
            print(f"Erreur : aucune version archivée{'' if args.version is None else f' n°{args.version}'} "
                  f"de l'instantané du {format_date_fr(day)}.", file=sys.stderr)
            return EXIT_INVALID
        question = (f"Restaurer la version {chosen[-1].version} de l'instantané du {format_date_fr(day)} "
                    f"(archivée le {chosen[-1].archived_at[:8]}, {chosen[-1].manifest.get('rows', '?')} faits) ?"
                    + (f" La version courante ({current.rows} faits) sera archivée." if current else ""))
    if not args.yes:
        try:
            answer = input(question + " [o/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("o", "oui", "y", "yes"):
            print("Annulé : rien n'est modifié (option --yes pour ne pas demander de confirmation).", file=sys.stderr)
            return EXIT_INVALID
    with data_lock(directory):
        if args.delete:
            path = delete_snapshot(directory, day)
            _audit(args, directory, "suppression", day.isoformat())
            print(f"Instantané du {format_date_fr(day)} archivé dans {path}.")
        else:
            restored = restore_snapshot(directory, day, chosen[-1])
            _audit(args, directory, "restauration", f"{day.isoformat()} version {restored.version}")
            print(f"Version {restored.version} de l'instantané du {format_date_fr(day)} restaurée.")
    return EXIT_OK


def cmd_import(args, directory: Path) -> int:
    from observatoire.ingest import UsageProblem, commit, prepare

    try:
        plan = prepare(args.files, args.snapshot, directory, args.format, args.sheet, args.new_version)
    except UsageProblem as exc:
        print(f"observatoire import : erreur d'utilisation : {exc}", file=sys.stderr)
        return EXIT_USAGE
    for problem in plan.warnings:
        print(f"Avertissement : {problem.message()}")
    if plan.errors:
        print(f"{len(plan.errors)} erreur(s) : rien n'est importé, le dossier de données est inchangé.", file=sys.stderr)
        for problem in plan.errors:
            print(f"  - {problem.message()}", file=sys.stderr)
        return EXIT_INVALID
    if args.dry_run:
        print(f"Validation réussie (essai, rien n'est écrit) : {plan.summary()}.")
        return EXIT_OK
    result = commit(plan)
    _audit(args, directory, "import", {"instantane": str(args.snapshot), "fichiers": ", ".join(map(str, args.files)),
                                       "resultat": result.status})
    print(("Import terminé : " if result.status == "imported" else "Rien à faire : ") + result.message + ".")
    return EXIT_OK


def cmd_template(args, directory: Path) -> int:
    from observatoire.model.catalog import load_catalog
    from observatoire.ingest.templates import example_uai, write_template
    from observatoire.settings import territory_folder
    from observatoire.model.territory import load_territory

    if Path(args.out).suffix.lower() not in (".csv", ".xlsx"):
        print("observatoire template : erreur d'utilisation : --out doit finir par .csv ou .xlsx", file=sys.stderr)
        return EXIT_USAGE
    territory = load_territory(territory_folder(directory))
    catalog = load_catalog(territory.roadmap_file)
    for path in write_template(catalog, args.format, Path(args.out), example_uai(territory)):
        print(f"Modèle écrit : {path}")
    return EXIT_OK


def cmd_copil(args, directory: Path) -> int:
    from observatoire.copil.deck import build_deck, filter_labels
    from observatoire.copil.export import render_charts, to_pdf, to_pptx
    from observatoire.model.dates import format_date_fr
    from observatoire.storage.store import Store

    days = {name: parse_day("copil", name, getattr(args, name)) for name in ("snapshot", "compare")}
    out = Path(args.out or f"copil-{days['snapshot'].isoformat()}.pptx")
    if out.suffix.lower() != ".pptx" or (args.pdf and Path(args.pdf).suffix.lower() != ".pdf"):
        print("observatoire copil : erreur d'utilisation : --out finit par .pptx et --pdf par .pdf.", file=sys.stderr)
        return EXIT_USAGE
    store = Store(directory).scoped(args.grant.perimeter)
    try:
        if not snapshots_exist(store, days, directory):
            return EXIT_INVALID
        labels = filter_labels(store)
        filters = filters_of(args, labels)
        if filters is None:
            return EXIT_INVALID

        def say(fraction: float, text: str) -> None:
            print(f"  {text}", file=sys.stderr)

        deck = build_deck(store, days["snapshot"], filters, days["compare"], labels, progress=say)
        images = render_charts(deck, progress=say)
        out.write_bytes(to_pptx(deck, images=images))
        _audit(args, directory, "export", str(out))
        print(f"Diaporama écrit : {out} ({len(deck.slides)} diapositives, instantané du "
              f"{format_date_fr(deck.snapshot_date)}, périmètre : {deck.filters_text}).")
        if args.pdf:
            Path(args.pdf).write_bytes(to_pdf(deck, images=images))
            print(f"PDF écrit : {args.pdf}.")
    finally:
        store.close()
    return EXIT_OK


def cmd_bench(args, directory: Path) -> int:
    from observatoire.bench.run import main as bench_main

    if args.repeat < 1:
        print("observatoire bench : erreur d'utilisation : --repeat doit valoir au moins 1.", file=sys.stderr)
        return EXIT_USAGE
    # The benchmark's own data folder (bench/<échelle>/) unless a data folder is given explicitly (never
    # $OBSERVATOIRE_DATA_DIR: the benchmark rebuilds its folder when the generator changes).
    bench_main(args.scale, args.json, args.repeat, args.bench_data_dir or args.data_dir, args.seed)
    return EXIT_OK


COMMANDS = {"copil": cmd_copil, "demo": cmd_demo, "check": cmd_check, "snapshots": cmd_snapshots, "sql": cmd_sql,
            "import": cmd_import, "template": cmd_template}
COMMANDS["bench"] = cmd_bench
COMMANDS["values"] = cmd_values


def cmd_digest(args, directory: Path) -> int:
    from observatoire.copil.digest_command import run

    return run(args, directory)


COMMANDS["digest"] = cmd_digest


def cmd_annotate(args, directory: Path) -> int:
    from observatoire.storage.annotate_command import run

    return run(args, directory)


COMMANDS["annotate"] = cmd_annotate


def cmd_load(args, directory: Path) -> int:
    import json

    from observatoire.load.report import summary, text
    from observatoire.load.run import UsageError, drive

    try:
        result = drive(args.url, args.sessions, args.duration)
    except UsageError as exc:
        print(f"observatoire load : erreur d'utilisation : {exc}", file=sys.stderr)
        return EXIT_USAGE
    figures = summary(result)
    print(text(result, figures))
    if args.json:
        Path(args.json).write_text(json.dumps({**result, "summary": figures}, indent=1, default=str), encoding="utf-8")
    return EXIT_OK


COMMANDS["load"] = cmd_load

if __name__ == "__main__":
    sys.exit(main())
