"""The pages' caches: results are the caller's own, a released store is closed, a closed one is replaced."""

from __future__ import annotations

import duckdb
import pytest
import streamlit as st


@pytest.fixture
def session(demo_dir, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(demo_dir))
    from components import session

    return session


def test_a_cached_result_is_the_callers_own(session):
    first = session.query("site_directory", uai=None)
    first["name"] = "changé"
    assert (session.query("site_directory", uai=None)["name"] != "changé").all()


def test_a_released_store_is_closed_and_queries_go_on(session):
    store = session.get_store()
    st.cache_resource.clear()
    with pytest.raises(duckdb.ConnectionException):
        store.run("filter_options")
    assert session.get_store() is not store
    assert not session.query("filter_options").empty


def test_a_query_caught_by_a_closing_store_runs_again_on_a_fresh_one(session, monkeypatch):
    store = session.get_store()
    real_run, calls = store.run, []

    def closing_run(name, **params):  # another session cleared the caches while this query ran
        calls.append(name)
        st.cache_resource.clear()
        return real_run(name, **params)

    monkeypatch.setattr(store, "run", closing_run)
    assert not session.run("filter_options").empty
    assert calls == ["filter_options"]


def test_query_results_are_bounded_in_bytes():
    from components.session import _cached_run
    from observatoire.settings import setting

    assert setting("page_cache_max_size") == "256MB"
    assert _cached_run._info.max_size_bytes == 256 * 1024 * 1024


def test_a_run_answers_from_the_data_state_read_when_it_began(session, demo_dir, tmp_path, monkeypatch):
    """begin_run (app.py) reads the folder's state once: a snapshot added mid-run shows from the next run on."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(data))
    session.begin_run()
    before = session.get_store()
    newest = max((data / "snapshots").iterdir())
    shutil.copytree(newest, data / "snapshots" / "snapshot_date=2025-09-30")
    assert session.get_store().snapshot_dates == before.snapshot_dates      # same run: same state
    session.begin_run()
    after = session.get_store()
    assert len(after.snapshot_dates) == len(before.snapshot_dates) + 1       # next run: the new snapshot
