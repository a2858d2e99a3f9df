"""`observatoire digest`: one synthesis per perimeter, written and optionally sent (see digest.py, mail.py).

Exit codes as every command: 0 done, 1 invalid input (unknown snapshot, bad recipients file, missing SMTP
settings: nothing written; or the server refused: files written, nothing or part sent), 2 usage error.
"""

from __future__ import annotations

import smtplib
import sys
from datetime import date
from pathlib import Path

from observatoire.cli_values import snapshots_exist
from observatoire.copil.deck import filter_labels
from observatoire.copil.digest import BY, perimeters, write_digests
from observatoire.copil.mail import read_recipients, send_digests, smtp_settings
from observatoire.errors import ValidationError
from observatoire.model.dates import format_date_fr
from observatoire.storage.store import Store

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
LATEST = date.max


def _usage(text: str) -> int:
    print(f"observatoire digest : erreur d'utilisation : {text}", file=sys.stderr)
    return EXIT_USAGE


def run(args, directory: Path) -> int:
    days = {}
    for name in ("snapshot", "compare"):
        text = getattr(args, name)
        if name == "snapshot" and text == "latest":   # for a monthly cron line
            days[name] = LATEST
            continue
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            return _usage(f"--{name} « {text} » n'est pas une date (AAAA-MM-JJ).")
    if args.send and not args.recipients:
        return _usage("--send demande --recipients FICHIER (CSV « perimetre,adresse »).")
    if args.recipients and not args.send:
        return _usage("--recipients ne sert qu'avec --send.")
    store = Store(directory)
    try:
        if days["snapshot"] == LATEST:
            if not store.snapshot_dates:
                print(f"Erreur : aucun instantané dans {directory} : importez des données d'abord.", file=sys.stderr)
                return EXIT_INVALID
            days["snapshot"] = store.snapshot_dates[-1]
        if not snapshots_exist(store, days, directory):
            return EXIT_INVALID
        chosen = perimeters(store, args.by, filter_labels(store))
        recipients = settings = None
        if args.send:   # checked before anything is written
            recipients = read_recipients(Path(args.recipients), chosen)
            settings = smtp_settings()
        kind = BY[args.by][1]
        digests = write_digests(store, days["snapshot"], args.by, Path(args.out), pptx=args.pptx,
                                compare_date=days["compare"],
                                progress=lambda fraction, text: print(f"  {text}", file=sys.stderr))
        print(f"{len(digests)} synthèse(s) par {kind} écrite(s) dans {args.out} (index.html, index.csv), "
              f"instantané du {format_date_fr(days['snapshot'])}.")
        if args.send:
            try:
                sent = send_digests(digests, recipients, days["snapshot"], store.territory.academie_name, settings)
            except (OSError, smtplib.SMTPException) as exc:
                print(f"Erreur : envoi impossible par {settings['host']}:{settings['port']} ({exc.__class__.__name__} : "
                      f"{exc}). Les fichiers sont écrits ; vérifiez les réglages OBSERVATOIRE_SMTP_* puis relancez.",
                      file=sys.stderr)
                return EXIT_INVALID
            print(f"{len(sent)} courriel(s) envoyé(s) à {sum(len(to) for _, to in sent)} adresse(s).")
    except ValidationError as exc:
        print(f"Erreur : {exc.source}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        store.close()
    return EXIT_OK
