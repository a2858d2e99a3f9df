"""SQL kept in queries/*.sql, one question per file, loaded by name; the leading comment is its docstring."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from observatoire.errors import QueryError
from observatoire.settings import QUERIES_DIR

PARAM = re.compile(r"(?<![:$\w])\$([a-z_][a-z0-9_]*)")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Setup DDL beside the questions, not among them: the root of queries/ holds questions only.
SETUP_DIR = QUERIES_DIR / "setup"


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    doc: str
    params: frozenset[str]

    def bind(self, params: dict) -> dict:
        """The parameters this query uses, checked: a missing one or an unknown one is an error."""
        missing = self.params - params.keys()
        unknown = params.keys() - self.params
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"paramètre(s) manquant(s) : {', '.join(sorted(missing))}")
            if unknown:
                parts.append(f"paramètre(s) inconnu(s) : {', '.join(sorted(unknown))}")
            raise QueryError(f"requête « {self.name} » : " + " ; ".join(parts))
        return {k: params[k] for k in self.params}


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


@lru_cache(maxsize=None)
def load_query(name: str, folder: Path = QUERIES_DIR) -> Query:
    if not NAME.match(name):
        raise QueryError(f"nom de requête invalide : « {name} »")
    path = Path(folder) / f"{name}.sql"
    if not path.exists():
        raise QueryError(f"requête inconnue : « {name} » (aucun fichier {path.name} dans {folder})")
    sql = path.read_text(encoding="utf-8")
    doc = "\n".join(line[2:].strip() for line in sql.splitlines() if line.startswith("--")).strip()
    return Query(name, sql, doc, frozenset(PARAM.findall(_strip_comments(sql))))


def load_setup(name: str) -> Query:
    """A setup statement run when a store opens (queries/setup/: tables, views, the scope macro)."""
    return load_query(name, SETUP_DIR)
