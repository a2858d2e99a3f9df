"""Digests by e-mail: each perimeter's PDF to the addresses a recipients file gives it, over SMTP.

Recipients file (CSV, ',' or ';'): a header `perimetre,adresse`, then one line per address; `perimetre` is the
perimeter's code or name (any case), or `*` for every digest. Server settings (observatoire/settings.py):
OBSERVATOIRE_SMTP_HOST, _PORT, _SENDER, _STARTTLS, _USER, _PASSWORD.
"""

from __future__ import annotations

import csv
import re
import smtplib
from email.message import EmailMessage
from pathlib import Path

from observatoire.copil.digest import Digest, Perimeter
from observatoire.errors import ValidationError
from observatoire.model.dates import format_date_fr
from observatoire.settings import setting

ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def read_recipients(path: Path, perimeters: list[Perimeter]) -> dict[str, list[str]]:
    """Perimeter code -> addresses; a ValidationError names the file, line and column of every problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(str(path), [f"fichier illisible ({exc.__class__.__name__}) : un CSV en UTF-8 est attendu"])
    delimiter = ";" if text.splitlines() and ";" in text.splitlines()[0] else ","
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["perimetre", "adresse"]:
        raise ValidationError(str(path), ["ligne 1 : l'en-tête doit être « perimetre,adresse »"])
    known = {}
    for p in perimeters:
        known[p.code.casefold()] = p.code
        known[p.name.casefold()] = p.code
    out: dict[str, list[str]] = {p.code: [] for p in perimeters}
    problems = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < 2:
            problems.append(f"ligne {line} : deux colonnes attendues (perimetre, adresse)")
            continue
        where, address = row[0].strip(), row[1].strip()
        if not ADDRESS.match(address):
            problems.append(f"ligne {line}, colonne « adresse » : « {address} » n'est pas une adresse électronique")
            continue
        if where == "*":
            for addresses in out.values():
                addresses.append(address)
        elif where.casefold() in known:
            out[known[where.casefold()]].append(address)
        else:
            problems.append(f"ligne {line}, colonne « perimetre » : « {where} » n'est aucun des périmètres de ces "
                            f"synthèses ({', '.join(p.code for p in perimeters)})")
    if problems:
        raise ValidationError(str(path), problems)
    return out


def smtp_settings() -> dict:
    """The SMTP settings, checked: a ValidationError in French says which variable to set."""
    host, sender = setting("smtp_host"), setting("smtp_sender")
    missing = [name for name, value in (("OBSERVATOIRE_SMTP_HOST", host), ("OBSERVATOIRE_SMTP_SENDER", sender)) if not value]
    if missing:
        raise ValidationError("réglages d'envoi", [f"définissez {name} pour envoyer les synthèses" for name in missing])
    try:
        port = int(setting("smtp_port"))
    except ValueError:
        raise ValidationError("réglages d'envoi", [f"OBSERVATOIRE_SMTP_PORT « {setting('smtp_port')} » n'est pas un nombre"])
    return dict(host=host, port=port, sender=sender, starttls=setting("smtp_starttls") in ("1", "true", "oui"),
                user=setting("smtp_user"), password=setting("smtp_password"))


def message(digest: Digest, to: list[str], sender: str, snapshot_date, academie: str) -> EmailMessage:
    mail = EmailMessage()
    name = digest.perimeter.name
    mail["Subject"] = f"Observatoire du numérique éducatif — {name} — instantané du {format_date_fr(snapshot_date)}"
    mail["From"], mail["To"] = sender, ", ".join(to)
    mail.set_content(
        f"Bonjour,\n\nVous trouverez ci-joint la synthèse du numérique éducatif pour le périmètre « {name} » "
        f"({academie}), à la date de l'instantané du {format_date_fr(snapshot_date)} : chiffres clés au regard "
        "des cibles, ce qui a changé et points d'attention.\n\nCe message est envoyé automatiquement par "
        "l'Observatoire du numérique éducatif.\n")
    for path in (digest.pdf, digest.pptx):
        if path is None:
            continue
        maintype, subtype = ("application", "pdf") if path.suffix == ".pdf" else \
            ("application", "vnd.openxmlformats-officedocument.presentationml.presentation")
        mail.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return mail


def send_digests(digests: list[Digest], recipients: dict[str, list[str]], snapshot_date, academie: str,
                 settings: dict | None = None) -> list[tuple[str, list[str]]]:
    """Send each digest to its addresses over one SMTP connection; returns (perimeter code, addresses) sent."""
    settings = settings or smtp_settings()
    sent = []
    with smtplib.SMTP(settings["host"], settings["port"], timeout=60) as smtp:
        if settings["starttls"]:
            smtp.starttls()
        if settings["user"]:
            smtp.login(settings["user"], settings["password"])
        for digest in digests:
            to = sorted(set(recipients.get(digest.perimeter.code, [])))
            if not to:
                continue
            smtp.send_message(message(digest, to, settings["sender"], snapshot_date, academie))
            sent.append((digest.perimeter.code, to))
    return sent
