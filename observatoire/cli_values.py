"""`observatoire values` and the filter options it shares with `observatoire copil`."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
FILTER_FLAGS = (("circonscription", "code de circonscription (C05)"), ("bassin", "code de bassin (B1)"),
                ("commune", "code INSEE"), ("zone", "code de zone"),
                ("academie", "académie d'une région académique (Lille)"), ("isolement", "identifiant d'une classe de territory.toml, par exemple urbain"))


def add_filter_arguments(parser, what: str) -> None:
    """The global filters as options (`what`: what they restrict, e.g. 'tout le diaporama')."""
    for flag, meaning in FILTER_FLAGS:
        parser.add_argument(f"--{flag}", metavar="CODE", help=f"Restreint {what} : {meaning}.")
    parser.add_argument("--degre", type=int, choices=[1, 2], help="Restreint au 1er ou au 2nd degré.")
    parser.add_argument("--type", choices=["ecole", "college", "lycee"], help="Restreint à un type d'établissement.")


class UsageError(Exception):
    """A usage error already told to the user (exit code 2)."""


def parse_day(command: str, name: str, text: str | None) -> date | None:
    """A date option, or UsageError after a French message."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        print(f"observatoire {command} : erreur d'utilisation : --{name} « {text} » n'est pas une date (AAAA-MM-JJ).",
              file=sys.stderr)
        raise UsageError(name) from None


def known_snapshot(store, day: date, directory: Path) -> bool:
    """Whether `day` is a snapshot; if not, say which are (French, on stderr)."""
    from observatoire.model.dates import format_date_fr

    if day in store.snapshot_dates:
        return True
    known = ", ".join(d.isoformat() for d in store.snapshot_dates) or "aucun"
    print(f"Erreur : aucun instantané du {format_date_fr(day)} dans {directory} (instantanés : {known}).",
          file=sys.stderr)
    return False


def snapshots_exist(store, days: dict, directory: Path) -> bool:
    """False, with a French message, when --snapshot or --compare names no snapshot or compare is not earlier."""
    if not all(known_snapshot(store, day, directory) for day in days.values() if day is not None):
        return False
    if days.get("compare") is not None and days["compare"] >= days["snapshot"]:
        print("Erreur : --compare doit être antérieur à --snapshot.", file=sys.stderr)
        return False
    return True


def filters_of(args, labels: dict[str, dict]):
    """The Filters the options ask for, or None after a French message naming the unknown code."""
    from observatoire.model.filters import FILTER_LABELS, Filters

    filters = Filters.from_mapping({"circonscription": args.circonscription, "bassin": args.bassin,
                                    "commune": args.commune, "zone": args.zone, "isolation": args.isolement,
                                    "academie": args.academie, "degree": args.degre, "site_type": args.type})
    for field, code in filters.active().items():
        if field not in ("degree", "site_type") and code not in labels.get(field, {}):
            print(f"Erreur : {FILTER_LABELS[field]} « {code} » inconnu(e) ; codes possibles : "
                  f"{', '.join(sorted(labels.get(field, {})))}.", file=sys.stderr)
            return None
    return filters


def add_values_parser(sub) -> None:
    values = sub.add_parser("values", help="Écrit les chiffres des cartes (un indicateur par ligne) en JSON ou CSV.")
    values.add_argument("--snapshot", required=True, metavar="AAAA-MM-JJ", help="Date de l'instantané.")
    values.add_argument("--format", choices=["json", "csv"], default="json", help="Format de sortie (défaut : json).")
    values.add_argument("--out", metavar="FICHIER", help="Fichier à écrire (défaut : la sortie standard).")
    add_filter_arguments(values, "les chiffres")


def cmd_values(args, directory: Path) -> int:
    from observatoire.copil.deck import filter_labels
    from observatoire.metrics.figures import COLUMNS, figure_records
    from observatoire.storage.store import Store

    day = parse_day("values", "snapshot", args.snapshot)
    store = Store(directory).scoped(args.grant.perimeter)
    try:
        if not known_snapshot(store, day, directory):
            return EXIT_INVALID
        filters = filters_of(args, filter_labels(store))
        if filters is None:
            return EXIT_INVALID
        records = figure_records(store, day, filters)
    finally:
        store.close()
    if args.format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        text = out.getvalue()
    else:
        text = json.dumps({"snapshot_date": day.isoformat(), "filters": filters.active(), "indicators": records},
                          ensure_ascii=False, indent=2, default=_plain) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Chiffres écrits : {args.out} ({len(records)} indicateurs).", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _plain(value):
    """numpy scalars -> Python numbers for json; NaN -> null is done by the headlines (None for no value)."""
    return value.item() if hasattr(value, "item") else str(value)
