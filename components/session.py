"""Cached access to the store for pages: one Store per data directory state, results cached per query.

The store (domain code) owns the DuckDB connection; this module only caches it and its results.
Both caches are keyed by the data directory's fingerprint, so a new snapshot invalidates them.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import streamlit as st

from observatoire.metrics.fiche import site_medians
from observatoire.settings import data_dir, setting
from observatoire.storage.snapshots import fingerprint
from observatoire.storage.store import Store


def _close(store: Store) -> None:
    store.close()


# A released store is closed at once: its DuckDB instance holds up to store_memory_limit of buffers, and a page
# module's globals (ctx = context()) stay reachable from a session's widget callbacks, so waiting for Python to
# drop the last reference kept stale instances alive (280 MB at national scale in the benchmark). Two entries:
# the current data state and the previous one, for a run that started before an import.
@st.cache_resource(show_spinner=False, max_entries=2, on_release=_close)
def _open_store(directory: str, state: str) -> Store:
    return Store(directory)


def get_store() -> Store:
    directory = data_dir()
    return _open_store(str(directory), fingerprint(directory))


def run(name: str, **params) -> pd.DataFrame:
    """The named query on the current store; once more on a fresh one if the store was closed meanwhile
    (data changed or caches cleared by another session while this query ran)."""
    try:
        return get_store().run(name, **params)
    except duckdb.ConnectionException:
        return get_store().run(name, **params)


# Bounded by the pickled size of the results (least recently used dropped first), not only by their number:
# at national scale one result weighs from a few kB to 35 MB.
@st.cache_data(show_spinner=False, max_entries=1024, max_size=setting("page_cache_max_size"))
def _cached_run(directory: str, state: str, name: str, params: tuple) -> pd.DataFrame:
    return run(name, **dict(params))


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def query(name: str, **params) -> pd.DataFrame:
    """Result of the named query with these parameters, cached until the data changes.

    st.cache_data unpickles a new frame for every caller, so the caller may change it freely."""
    store = get_store()
    items = tuple(sorted((k, _hashable(v)) for k, v in params.items()))
    return _cached_run(str(store.data_dir), store.fingerprint, name, items)


def indicator_values(indicator_ids: list[str], filters, breakdown: str = "total",
                     date_from: date | None = None, date_to: date | None = None, uai: str | None = None) -> pd.DataFrame:
    """Rolled-up values (queries/indicator_values.sql) over a snapshot range, all snapshots by default."""
    store = get_store()
    dates = store.snapshot_dates or [date(1900, 1, 1)]
    params = filters.params()
    params["uai"] = uai
    return query("indicator_values", indicator_ids=list(indicator_ids), breakdown=breakdown,
                 date_from=date_from or dates[0], date_to=date_to or dates[-1], **params)


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_medians(directory: str, state: str, params: tuple) -> pd.DataFrame:
    return site_medians(run("indicator_values", **dict(params)))


def indicator_medians(indicator_ids: list[str], filters, date_from: date | None = None,
                      date_to: date | None = None) -> pd.DataFrame:
    """Median of the sites' values per indicator and snapshot (observatoire.metrics.fiche.site_medians).

    Only the medians are cached: the per-site rows behind them (up to 260 000 for an isolation class at
    national scale) would cost memory to keep and time to unpickle on every rerun of a fiche.
    """
    store = get_store()
    dates = store.snapshot_dates or [date(1900, 1, 1)]
    params = {**filters.params(), "uai": None, "indicator_ids": tuple(indicator_ids), "breakdown": "site",
              "date_from": date_from or dates[0], "date_to": date_to or dates[-1]}
    return _cached_medians(str(store.data_dir), store.fingerprint, tuple(sorted(params.items())))
