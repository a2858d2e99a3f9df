"""Settings, declared once: name, default, environment variable and help text."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from observatoire.errors import ValidationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
BUNDLED_TERRITORIES = PROJECT_ROOT / "data" / "territories"


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS = (
    Setting("data_dir", "OBSERVATOIRE_DATA_DIR", str(PROJECT_ROOT / "data"),
            "Data directory: snapshots/, reference/ and manifest.json (option --data-dir)."),
    Setting("territory", "OBSERVATOIRE_TERRITORY", "guyane",
            "Territory folder under territories/ when the data directory's manifest names none."),
    Setting("sql_timeout_s", "OBSERVATOIRE_SQL_TIMEOUT_S", "10",
            "SQL console: seconds a query may run before it is interrupted."),
    Setting("sql_max_rows", "OBSERVATOIRE_SQL_MAX_ROWS", "10000",
            "SQL console: most rows a query returns; beyond, the result is cut and marked as such."),
    Setting("sql_memory_limit", "OBSERVATOIRE_SQL_MEMORY_LIMIT", "1GB",
            "SQL console: DuckDB memory limit of each query's own connection (nothing spills to disk)."),
    Setting("store_memory_limit", "OBSERVATOIRE_STORE_MEMORY_LIMIT", "512MB",
            "Pages: DuckDB memory limit of the store (beyond, a query spills to a temporary folder). DuckDB's "
            "own default, 80 % of RAM, kept 5 GB of buffers at national scale for no gain in speed."),
    Setting("page_cache_max_size", "OBSERVATOIRE_PAGE_CACHE_MAX_SIZE", "256MB",
            "Pages: most pickled bytes of query results kept by st.cache_data (least recently used dropped "
            "first); read when the app starts."),
    Setting("import_max_mb", "OBSERVATOIRE_IMPORT_MAX_MB", "50",
            "Imports: largest file accepted, in megabytes; a bigger file is refused before it is read."),
    Setting("import_jump_factor", "OBSERVATOIRE_IMPORT_JUMP_FACTOR", "10",
            "Imports: a value more than this many times above or below the previous snapshot's is a warning."),
    Setting("completeness_threshold", "OBSERVATOIRE_COMPLETENESS_THRESHOLD", "0.8",
            "Cards: a figure resting on fewer than this share of the entities expected to report is marked."),
)


def setting(name: str) -> str:
    """Value of a setting: its environment variable when set, else its default."""
    spec = next(s for s in SETTINGS if s.name == name)
    return os.environ.get(spec.env) or spec.default


def data_dir(override: str | Path | None = None) -> Path:
    return Path(override) if override else Path(setting("data_dir"))


def data_manifest(directory: Path) -> dict:
    """The data directory's own manifest (territory, demo flag), or {} when there is none."""
    try:
        return json.loads((Path(directory) / "manifest.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def requested_territory() -> str | None:
    """The territory asked for by configuration (OBSERVATOIRE_TERRITORY, set by --territory too), if any."""
    return os.environ.get(next(s.env for s in SETTINGS if s.name == "territory")) or None


def territory_id(directory: Path) -> str:
    """The territory of a data directory: the one asked for, else its manifest's, else the default.

    Data built for one territory cannot be read with another's files: when both are given and differ, a
    ValidationError says so in French (instead of every fact of every snapshot reported as unknown).
    """
    asked = requested_territory()
    recorded = data_manifest(directory).get("territory")
    if asked and recorded and asked != recorded:
        raise ValidationError(str(Path(directory) / "manifest.json"), [
            f"ce dossier de données est celui du territoire « {recorded} », mais OBSERVATOIRE_TERRITORY "
            f"(ou --territory) demande « {asked} » : choisissez le dossier de ce territoire "
            f"(OBSERVATOIRE_DATA_DIR ou --data-dir), retirez OBSERVATOIRE_TERRITORY, ou régénérez la "
            f"démonstration (observatoire --territory {asked} demo --force)"])
    return asked or recorded or setting("territory")


def territory_folder(directory: Path, territory: str | None = None) -> Path:
    """The territory files: inside the data directory when it has its own, else the bundled ones."""
    name = territory or territory_id(directory)
    local = Path(directory) / "territories" / name
    return local if (local / "territory.toml").exists() else BUNDLED_TERRITORIES / name
