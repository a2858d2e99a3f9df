"""Speed changes keep their meaning: the cheap fingerprint, materialised reference tables, row-group pruning."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

from observatoire.storage.snapshots import JOURNAL, SNAPSHOTS, fingerprint, list_snapshots, write_snapshot
from observatoire.storage.store import Store
from tests.support.factories import fact, make_data_dir, site


def _glob_fingerprint(data_dir: Path) -> str:
    """The original definition (pathlib globs), which the scandir version must reproduce exactly."""
    root = Path(data_dir)
    parts = []
    for path in sorted([*root.glob(f"{SNAPSHOTS}/*/manifest.json"), *root.glob("reference/*.parquet"),
                        root / "manifest.json", root / JOURNAL]):
        if path.exists():
            stat = path.stat()
            parts.append(f"{path.relative_to(root)}:{stat.st_mtime_ns}:{stat.st_size}:{stat.st_ino}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def test_fingerprint_matches_the_glob_definition_and_changes_with_a_snapshot(tmp_path, demo_dir):
    data = tmp_path / "d"
    shutil.copytree(demo_dir, data)
    assert fingerprint(data) == _glob_fingerprint(data)
    (data / SNAPSHOTS / ".tmp-x").mkdir()
    (data / SNAPSHOTS / ".tmp-x" / "manifest.json").write_text("{}")
    (data / SNAPSHOTS / "stray.txt").write_text("x")
    (data / "reference" / ".half.parquet").write_text("x")
    (data / JOURNAL).write_text("{}")
    assert fingerprint(data) == _glob_fingerprint(data)
    before = fingerprint(data)
    facts = pq.read_table(list_snapshots(data)[-1].path / "facts.parquet").to_pandas()
    write_snapshot(data, date(2030, 1, 31), facts)
    assert fingerprint(data) != before and fingerprint(data) == _glob_fingerprint(data)
    assert fingerprint(tmp_path / "missing") == _glob_fingerprint(tmp_path / "missing")


def test_store_materialises_sites_and_entities_with_the_same_rows(tmp_path):
    first, second = site(1, "97302", "urbain", pupils=100), site(2, "97353", "isole", pupils=50)
    data = make_data_dir(tmp_path, [first, second],
                         {date(2025, 1, 31): [fact("ent1d_taux_usages", first["uai"], 10, 20)]})
    store = Store(data)
    kinds = dict(store.con.execute("select table_name, table_type from information_schema.tables").fetchall())
    assert kinds["sites"] == kinds["entities"] == "BASE TABLE" and kinds["facts"] == "VIEW"
    rows = store.con.execute("select entity_id, pupils from entities where entity_level = 'site' order by 1").fetchall()
    assert rows == sorted([(first["uai"], 100), (second["uai"], 50)])
    assert store.con.execute("select pupils from entities where entity_level = 'academie'").fetchone() == (150,)


def test_indicator_filter_reads_only_its_row_groups(tmp_path):
    rows = 70_000 * 3  # three indicators of 70 000 facts: more than one row group each
    import pandas as pd

    facts = pd.DataFrame({"indicator_id": ["a_first"] * 70_000 + ["b_second"] * 70_000 + ["c_third"] * 70_000,
                          "entity_level": "site", "entity_id": [f"{i:07d}X" for i in range(rows)],
                          "value": 1.0, "denominator": None})
    folder = write_snapshot(tmp_path, date(2025, 1, 31), facts)
    meta = pq.ParquetFile(folder / "facts.parquet").metadata
    assert meta.num_row_groups == 4  # 210 000 rows in groups of 65 536
    stats = [meta.row_group(i).column(0).statistics for i in range(meta.num_row_groups)]
    # Sorted by indicator: "c_third" lies in the last two row groups only, which min/max statistics tell.
    assert [s.min <= "c_third" <= s.max for s in stats] == [False, False, True, True]
    assert os.path.getsize(folder / "facts.parquet") > 0
