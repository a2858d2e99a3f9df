"""Nothing is lost or half-written: an import killed mid-write, an error mid-write, two imports at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from observatoire.storage import snapshots
from observatoire.ingest import commit, prepare
from observatoire.storage.snapshots import data_lock, list_archived, list_snapshots, recover
from observatoire.storage.store import Store
from tests.support.import_data import COLLEGE, LYCEE, PREVIOUS, SNAPSHOT, make_dir, tree

ROOT = Path(__file__).resolve().parents[2]
DAY = date.fromisoformat(SNAPSHOT)
# Runs the CLI, but SIGKILLs itself at the N-th os.replace into a snapshot folder (a hook point of the write).
KILLER = """
import os, signal, sys
real = os.replace
calls = {"n": 0}
def replace(src, dst, *args, **kwargs):
    if "snapshot_date=" in str(dst):
        calls["n"] += 1
        if calls["n"] == int(sys.argv[1]):
            os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst, *args, **kwargs)
os.replace = replace
from observatoire.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture
def data(tmp_path):
    return make_dir(tmp_path / "data")


def without_lock(state: dict) -> dict:
    return {k: v for k, v in state.items() if k != ".lock"}


def write(path: Path, rows: str) -> Path:
    path.write_text("uai;indicateur;valeur\n" + rows, encoding="utf-8")
    return path


def cli(data: Path, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "observatoire", "--data-dir", str(data), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def store_view(data: Path) -> tuple:
    store = Store(data)
    try:
        rows = store.con.execute("select snapshot_date, indicator_id, entity_id, value from facts order by all").fetchall()
        return store.snapshot_dates, rows
    finally:
        store.close()


def killed(data: Path, at: int, *args: str) -> int:
    proc = subprocess.run([sys.executable, "-c", KILLER, str(at), "--data-dir", str(data), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    return proc.returncode


def test_kill_before_a_new_snapshot_is_renamed_into_place(data, tmp_path):
    before, seen = tree(data), store_view(data)
    path = write(tmp_path / "a.csv", f"{COLLEGE};ent2d_utilisateurs;120\n")
    assert killed(data, 1, "import", str(path), "--snapshot", SNAPSHOT) == -9
    assert store_view(data) == seen  # readers see the store as it was
    assert [s.snapshot_date for s in list_snapshots(data)] == [PREVIOUS]
    with data_lock(data):  # the next writer cleans up what the killed one left
        pass
    assert without_lock(tree(data)) == without_lock(before)
    # And the import then works.
    assert cli(data, "import", str(path), "--snapshot", SNAPSHOT).wait(60) == 0


def test_kill_between_the_two_renames_of_a_new_version(data, tmp_path):
    first = write(tmp_path / "a.csv", f"{COLLEGE};ent2d_utilisateurs;120\n")
    assert cli(data, "import", str(first), "--snapshot", SNAPSHOT).wait(60) == 0
    before, seen = tree(data), store_view(data)
    second = write(tmp_path / "b.csv", f"{LYCEE};pix_eleves_certifies;77\n")
    # 1st rename: current version -> archive; 2nd: new version -> current. Killed just before the 2nd.
    assert killed(data, 2, "import", str(second), "--snapshot", SNAPSHOT, "--new-version") == -9
    assert not (data / "snapshots" / f"snapshot_date={SNAPSHOT}").exists()  # the half-done state on disk…
    assert store_view(data) == seen  # …is not what readers see: the previous version is still read
    assert len(list_snapshots(data)) == 2
    with data_lock(data):
        pass
    assert without_lock(tree(data)) == without_lock(before)
    assert cli(data, "import", str(second), "--snapshot", SNAPSHOT, "--new-version").wait(60) == 0
    assert list_snapshots(data)[-1].manifest["version"] == 2


def test_kill_before_the_first_rename_of_a_new_version(data, tmp_path):
    first = write(tmp_path / "a.csv", f"{COLLEGE};ent2d_utilisateurs;120\n")
    assert cli(data, "import", str(first), "--snapshot", SNAPSHOT).wait(60) == 0
    before, seen = tree(data), store_view(data)
    second = write(tmp_path / "b.csv", f"{LYCEE};pix_eleves_certifies;77\n")
    assert killed(data, 1, "import", str(second), "--snapshot", SNAPSHOT, "--new-version") == -9
    assert store_view(data) == seen
    recover(data)
    assert without_lock(tree(data)) == without_lock(before)


def test_an_error_while_renaming_leaves_the_store_as_it_was(data, tmp_path, monkeypatch):
    first = write(tmp_path / "a.csv", f"{COLLEGE};ent2d_utilisateurs;120\n")
    commit(prepare([first], SNAPSHOT, data))
    before = tree(data)
    real = os.replace

    def failing(src, dst, *args, **kwargs):
        if str(dst).endswith(f"snapshot_date={SNAPSHOT}") and ".tmp-" in str(src):
            raise OSError(28, "No space left on device")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(snapshots.os, "replace", failing)
    plan = prepare([write(tmp_path / "b.csv", f"{LYCEE};pix_eleves_certifies;77\n")], SNAPSHOT, data, new_version=True)
    with pytest.raises(OSError):
        commit(plan)
    assert without_lock(tree(data)) == without_lock(before)
    assert list_archived(data) == []


def test_a_second_import_waits_for_the_lock(data, tmp_path):
    path = write(tmp_path / "a.csv", f"{COLLEGE};ent2d_utilisateurs;120\n")
    with data_lock(data):
        before = tree(data)
        proc = cli(data, "import", str(path), "--snapshot", SNAPSHOT)
        time.sleep(3)
        assert proc.poll() is None, proc.communicate()
        assert tree(data) == before  # validated, then waiting: nothing written yet
    assert proc.wait(60) == 0
    assert [s.snapshot_date for s in list_snapshots(data)] == [PREVIOUS, DAY]


def test_two_imports_of_the_same_file_at_once(data, tmp_path):
    path = write(tmp_path / "a.csv", f"{COLLEGE};ent2d_utilisateurs;120\n")
    procs = [cli(data, "import", str(path), "--snapshot", SNAPSHOT) for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    texts = sorted(out for out, _ in outs)
    assert sum("Import terminé" in t for t in texts) == 1 and sum("Rien à faire" in t for t in texts) == 1, texts
    info = list_snapshots(data)[-1]
    assert info.snapshot_date == DAY and info.manifest["version"] == 1 and list_archived(data) == []


def test_two_different_imports_into_the_same_date_at_once(data, tmp_path):
    a = write(tmp_path / "a.csv", f"{COLLEGE};ent2d_utilisateurs;120\n")
    b = write(tmp_path / "b.csv", f"{LYCEE};pix_eleves_certifies;77\n")
    procs = [cli(data, "import", str(p), "--snapshot", SNAPSHOT) for p in (a, b)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert sorted(p.returncode for p in procs) == [0, 1], outs
    refused = outs[[p.returncode for p in procs].index(1)][1]
    assert "existe déjà" in refused
    facts = pd.read_parquet(list_snapshots(data)[-1].path / "facts.parquet")
    assert len(facts) == 1  # one file's facts, never a mix of both
