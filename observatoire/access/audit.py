"""The audit log: who did what and when, one JSON object a line (data/audit.jsonl by default).

Sign-ins, imports, deletions and restores of snapshots, exports and console queries. Appended with one write
per line, so concurrent processes do not interleave lines.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

ACTIONS = {
    "connexion": "Connexion",
    "refus": "Accès refusé",
    "import": "Import",
    "suppression": "Suppression d'instantané",
    "restauration": "Restauration d'instantané",
    "export": "Export",
    "console": "Requête SQL",
}


def record(path: Path, who: str, action: str, what: dict | str) -> None:
    """Append one event; `what` says on what (file, snapshot date, query text…)."""
    line = json.dumps({"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "who": who,
                       "action": action, "what": what}, ensure_ascii=False) + "\n"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def read(path: Path, limit: int = 1000) -> list[dict]:
    """The last `limit` events, newest first; a damaged line is skipped, not fatal."""
    path = Path(path)
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines()[-limit:]:
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events[::-1]
