"""The import's shortcuts change nothing: the facts handed to the snapshot writer already in its order."""

from __future__ import annotations

import hashlib
import random

import pyarrow.parquet as pq
import pytest

from observatoire.ingest import prepare
from observatoire.storage.snapshots import write_snapshot
from tests.support.import_data import COLLEGE, COLLEGE_ISOLE, LYCEE, SNAPSHOT, make_dir

ROWS = [(COLLEGE, "ent2d_utilisateurs", "1 234", ""), (COLLEGE, "ent2d_taux_utilisation", "20", "100"),
        (LYCEE, "pix_eleves_certifies", "90", ""), (LYCEE, "ent2d_utilisateurs", "15", ""),
        (COLLEGE_ISOLE, "pix_eleves_certifies", "3", "")]


@pytest.fixture
def data(tmp_path):
    return make_dir(tmp_path / "data")


def _file(tmp_path, rows):
    path = tmp_path / "faits.csv"
    path.write_text("uai;indicateur;valeur;denominateur\n" + "".join(";".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_facts_reach_the_writer_sorted_and_the_snapshot_is_the_same(data, tmp_path):
    rows = ROWS[:]
    random.Random(5).shuffle(rows)
    plan = prepare([_file(tmp_path, rows)], SNAPSHOT, data)
    assert plan.ok
    final = plan.final_facts
    assert list(zip(final["indicator_id"], final["entity_level"], final["entity_id"])) == sorted(
        zip(plan.facts["indicator_id"], plan.facts["entity_level"], plan.facts["entity_id"]))
    ours = write_snapshot(tmp_path / "a", plan.snapshot, final)
    unsorted = write_snapshot(tmp_path / "b", plan.snapshot, plan.facts)
    assert pq.read_table(ours / "facts.parquet").equals(pq.read_table(unsorted / "facts.parquet"))


def test_the_source_hash_is_the_files(data, tmp_path):
    path = _file(tmp_path, ROWS)
    plan = prepare([path], SNAPSHOT, data)
    assert plan.sources[0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
