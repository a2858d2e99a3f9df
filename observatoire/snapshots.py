"""Snapshots: immutable dated folders of Parquet facts plus a manifest, written atomically."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import __version__

SNAPSHOTS = "snapshots"
FOLDER_PATTERN = re.compile(r"^snapshot_date=(\d{4}-\d{2}-\d{2})$")
FACT_SCHEMA = pa.schema([
    ("indicator_id", pa.string()),
    ("entity_level", pa.string()),
    ("entity_id", pa.string()),
    ("value", pa.float64()),
    ("denominator", pa.float64()),
])


@dataclass(frozen=True)
class SnapshotInfo:
    snapshot_date: date
    path: Path
    manifest: dict

    @property
    def rows(self) -> int:
        return int(self.manifest.get("rows", 0))


def folder_name(day: date) -> str:
    return f"snapshot_date={day.isoformat()}"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_snapshot(data_dir: Path, day: date, facts: pd.DataFrame, sources: list[dict] | None = None,
                   warnings: list[str] | None = None, extra: dict | None = None) -> Path:
    """Write one snapshot folder: built in a temporary folder, then renamed into place.

    Refuses to overwrite an existing snapshot: snapshots are immutable.
    """
    root = Path(data_dir) / SNAPSHOTS
    root.mkdir(parents=True, exist_ok=True)
    final = root / folder_name(day)
    if final.exists():
        raise FileExistsError(f"l'instantané du {day.isoformat()} existe déjà : {final}")
    table = pa.Table.from_pandas(
        facts[["indicator_id", "entity_level", "entity_id", "value", "denominator"]]
        .sort_values(["indicator_id", "entity_level", "entity_id"], kind="stable"),
        schema=FACT_SCHEMA, preserve_index=False,
    )
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        pq.write_table(table, tmp / "facts.parquet", compression="zstd", row_group_size=256_000)
        manifest = {
            "snapshot_date": day.isoformat(),
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "program_version": __version__,
            "rows": table.num_rows,
            "files": {"facts.parquet": {"sha256": sha256_file(tmp / "facts.parquet"), "rows": table.num_rows}},
            "sources": sources or [],
            "warnings": warnings or [],
            **(extra or {}),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def list_snapshots(data_dir: Path) -> list[SnapshotInfo]:
    """Snapshots of a data directory, oldest first; folders that are not snapshots are skipped."""
    root = Path(data_dir) / SNAPSHOTS
    found = []
    if not root.is_dir():
        return found
    for folder in sorted(root.iterdir()):
        match = FOLDER_PATTERN.match(folder.name)
        if not match or not (folder / "facts.parquet").exists():
            continue
        try:
            day = date.fromisoformat(match.group(1))
        except ValueError:
            continue
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            manifest = {}
        found.append(SnapshotInfo(day, folder, manifest))
    return found


def fingerprint(data_dir: Path) -> str:
    """Changes whenever a snapshot or a reference table is added, replaced or removed."""
    parts = []
    root = Path(data_dir)
    for path in sorted([*root.glob(f"{SNAPSHOTS}/*/manifest.json"), *root.glob("reference/*.parquet"), root / "manifest.json"]):
        if path.exists():
            stat = path.stat()
            parts.append(f"{path.relative_to(root)}:{stat.st_mtime_ns}:{stat.st_size}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
