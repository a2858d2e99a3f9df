"""`observatoire annotate`: one dated note in the data folder's decision log (see annotations.py)."""

from __future__ import annotations

import getpass
import sys
from datetime import date
from pathlib import Path

from observatoire.copil.deck import filter_labels
from observatoire.storage.annotations import Annotation, add_annotation, annotations_path, check
from observatoire.storage.store import Store

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def run(args, directory: Path) -> int:
    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        print(f"observatoire annotate : erreur d'utilisation : --date « {args.date} » n'est pas une date (AAAA-MM-JJ).",
              file=sys.stderr)
        return EXIT_USAGE
    store = Store(directory)
    try:
        note = Annotation(day, args.texte, args.indicateur, args.circonscription, args.auteur or _user())
        problems = check(note, store.catalog.ids, filter_labels(store).get("circonscription", {}))
        if problems:
            print("Erreur : annotation refusée, rien n'est écrit.", file=sys.stderr)
            for problem in problems:
                print(f"  - {problem}", file=sys.stderr)
            return EXIT_INVALID
        saved = add_annotation(directory, note)
    finally:
        store.close()
    where = f"indicateur {saved.indicator_id}" if saved.indicator_id else "toute la feuille de route"
    scope = f"circonscription {saved.circonscription}" if saved.circonscription else "tout le territoire"
    print(f"Annotation ajoutée à {annotations_path(directory)} : {saved.sentence()} — {where}, {scope}.")
    return EXIT_OK


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
