"""Fault test (issue 15): kill -9 from outside at any moment of an import — while it reads, while it writes the
snapshot's files, while it swaps a new version in — leaves the previous snapshots intact and the store readable;
the next writer tidies up, and the same import then succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from observatoire.storage.check import check_data_dir
from observatoire.storage.snapshots import data_lock, list_snapshots
from tests.support.import_data import COLLEGE, COLLEGE_ISOLE, LYCEE, PREVIOUS, SNAPSHOT, make_dir, tree

ROOT = Path(__file__).resolve().parents[2]


def import_process(data: Path, path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "observatoire", "--data-dir", str(data), "import", str(path),
                             "--snapshot", SNAPSHOT, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_when(process: subprocess.Popen, ready) -> bool:
    """SIGKILL `process` as soon as ready() holds (polled every millisecond); False if it ended first."""
    while process.poll() is None:
        if ready():
            process.send_signal(signal.SIGKILL)
            process.wait(60)
            return True
        time.sleep(0.001)
    return False


def previous_facts(data: Path) -> dict:
    return {k: v for k, v in tree(data).items() if f"snapshot_date={PREVIOUS}" in k}


def readable(data: Path) -> list:
    from observatoire.storage.store import Store

    store = Store(data)
    try:
        return store.con.execute("select snapshot_date, count(*) from facts group by all order by all").fetchall()
    finally:
        store.close()


def big_file(tmp_path: Path) -> Path:
    """A long-format file large enough that writing its snapshot takes a while: many indicators of the
    académie and of the communes, each once."""
    from observatoire.model.catalog import load_catalog
    from observatoire.model.territory import load_territory
    from observatoire.settings import BUNDLED_TERRITORIES

    territory = load_territory(BUNDLED_TERRITORIES / "guyane")
    catalog = load_catalog(territory.roadmap_file)
    rows = ["uai;code_commune;indicateur;valeur"]
    for ind in catalog.indicators:
        if ind.level == "commune" and ind.unit == "count" and ind.rollup == "sum":
            rows += [f";{insee};{ind.id};{n}" for n, insee in enumerate(territory.communes["insee"])]
    rows += [f"{uai};;ent2d_utilisateurs;{n}" for n, uai in enumerate((COLLEGE, COLLEGE_ISOLE))]
    rows.append(f"{LYCEE};;pix_eleves_certifies;12")
    path = tmp_path / "gros.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("moment", ["reading", "writing", "swapping"])
def test_kill_at_any_moment_leaves_previous_snapshots_intact(tmp_path, moment):
    data = make_dir(tmp_path / "data")
    path = big_file(tmp_path)
    args = []
    if moment == "swapping":  # a new version of an existing date: the current one is moved aside, then replaced
        assert import_process(data, path).wait(120) == 0
        path.write_text(path.read_text(encoding="utf-8").replace(";12\n", ";13\n"), encoding="utf-8")
        args = ["--new-version"]
    before_previous, before_view = previous_facts(data), readable(data)
    process = import_process(data, path, *args)
    snapshots = data / "snapshots"
    triggers = {
        "reading": lambda: (data / ".lock").exists() or process.poll() is not None,
        "writing": lambda: any(p.name.startswith(".tmp-") for p in snapshots.iterdir()),
        "swapping": lambda: (data / ".journal.json").exists() or (data / "archive").exists(),
    }
    was_killed = kill_when(process, triggers[moment])
    # Whatever the moment: the previous snapshot is byte for byte what it was, and readers see a whole store.
    assert previous_facts(data) == before_previous
    view = readable(data)
    assert view[0] == before_view[0]
    assert [s.snapshot_date for s in list_snapshots(data)][0] == PREVIOUS
    if was_killed and moment != "reading":
        assert view == before_view or len(view) == len(before_view) + (moment != "swapping")
    with data_lock(data):  # the next writer repairs what the killed one left
        pass
    assert not any(p.name.startswith(".tmp-") for p in snapshots.iterdir())
    assert not (data / ".journal.json").exists()
    assert check_data_dir(data) == []
    # And the same import then succeeds (or has nothing left to do).
    assert import_process(data, path, *args).wait(120) == 0
    assert os.path.exists(snapshots / f"snapshot_date={SNAPSHOT}" / "facts.parquet")
