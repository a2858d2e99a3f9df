"""Annotations and the decision log: dated notes — a COPIL decision, a network outage, the start of a
programme — tied to one indicator or to the whole roadmap, and to a circonscription or the whole territory.

Stored in the data folder as annotations.jsonl, one JSON object a line, rewritten atomically (temporary file,
then os.replace) so that a reader never sees half a line. Read by the trend charts, the slides and the pages.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from observatoire.errors import ValidationError
from observatoire.model.dates import format_date_fr

FILE_NAME = "annotations.jsonl"
MAX_TEXT = 500


@dataclass(frozen=True)
class Annotation:
    day: date
    text: str
    indicator_id: str | None = None       # None: the whole roadmap
    circonscription: str | None = None    # None: the whole territory
    author: str = ""
    created_at: str = ""                  # ISO 8601, UTC

    def applies(self, indicator_id: str | None, circonscription: str | None) -> bool:
        """Shown on `indicator_id` (None: any) under a circonscription filter (None: the whole territory)."""
        if self.indicator_id and indicator_id and self.indicator_id != indicator_id:
            return False
        return not self.circonscription or self.circonscription == circonscription

    def sentence(self) -> str:
        """'Le 12 mars 2025 : Décision du COPIL … (DRANE).'"""
        text = self.text.rstrip().rstrip(".")
        text += f" ({self.author})" if self.author else ""
        return f"Le {format_date_fr(self.day)} : {text}" + ("" if text.endswith(("!", "?", "…")) else ".")


def annotations_path(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


def stamp(data_dir: Path) -> float:
    """Changes when the annotations do (for cache keys): the file's modification time, 0 when absent."""
    try:
        return annotations_path(data_dir).stat().st_mtime_ns
    except OSError:
        return 0


def read_annotations(data_dir: Path) -> list[Annotation]:
    """Every annotation, by date; a ValidationError names the line that cannot be read."""
    path = annotations_path(data_dir)
    if not path.exists():
        return []
    out, problems = [], []
    for line, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            out.append(Annotation(date.fromisoformat(item["day"]), str(item["text"]), item.get("indicator_id"),
                                  item.get("circonscription"), item.get("author", ""), item.get("created_at", "")))
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"ligne {line} illisible ({exc.__class__.__name__}) : corrigez-la ou supprimez-la")
    if problems:
        raise ValidationError(str(path), problems)
    return sorted(out, key=lambda a: (a.day, a.created_at))


def check(annotation: Annotation, indicator_ids, circonscriptions) -> list[str]:
    """French problems with a new annotation (empty when it can be stored)."""
    problems = []
    if not annotation.text.strip():
        problems.append("le texte est vide : écrivez ce qui a été décidé ou ce qui s'est passé")
    elif len(annotation.text) > MAX_TEXT:
        problems.append(f"le texte dépasse {MAX_TEXT} caractères : résumez-le")
    if annotation.indicator_id and annotation.indicator_id not in set(indicator_ids):
        problems.append(f"indicateur « {annotation.indicator_id} » inconnu de la feuille de route")
    if annotation.circonscription and annotation.circonscription not in set(circonscriptions):
        problems.append(f"circonscription « {annotation.circonscription} » inconnue ; codes possibles : "
                        f"{', '.join(sorted(circonscriptions))}")
    return problems


def add_annotation(data_dir: Path, annotation: Annotation) -> Annotation:
    """Append an annotation (stamped with its creation time) and rewrite the file atomically; returns it."""
    stamped = Annotation(annotation.day, annotation.text.strip(), annotation.indicator_id or None,
                         annotation.circonscription or None, annotation.author.strip(),
                         annotation.created_at or datetime.now(timezone.utc).isoformat(timespec="seconds"))
    path = annotations_path(data_dir)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if existing and not existing.endswith("\n"):
        existing += "\n"
    record = {**asdict(stamped), "day": stamped.day.isoformat()}
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(existing + json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return stamped
