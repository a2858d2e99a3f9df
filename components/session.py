"""Cached access to the store for pages: one Store per data directory state, and one idiom for every cached
result built from it (`per_data_state`).

The store (domain code) owns the DuckDB connection; this module only caches it and what is built from it.
Every cache is keyed by the data directory and its fingerprint, so a new snapshot invalidates them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import update_wrapper
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from components import warmup
from components.access import current_perimeter
from observatoire.errors import ValidationError
from observatoire.metrics.fiche import site_medians
from observatoire.metrics.progress import headlines
from observatoire.settings import data_dir, setting
from observatoire.storage.annotations import read_annotations
from observatoire.storage.annotations import stamp as annotation_stamp
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


# The data folder's state this script run answers from (folder, fingerprint): read once when the run begins
# (app.py), not at each of the page's few dozen questions — a run sees one state, and saves ~10 % of its CPU.
RUN_STATE = "_data_state"


def begin_run() -> None:
    """Read the data folder's state for this run; a new snapshot shows from the next run on."""
    directory = data_dir()
    st.session_state[RUN_STATE] = (str(directory), fingerprint(directory))


def _state(directory) -> str:
    seen = st.session_state.get(RUN_STATE)
    return seen[1] if seen and seen[0] == str(directory) else fingerprint(directory)


def unrestricted_store() -> Store:
    """The store with no perimeter: for looking up what a link names before refusing it, nothing else."""
    directory = data_dir()
    if str(directory) not in warmup._started:
        warmup.start()   # once per process and data folder: warm the caches now and after every new snapshot
    return _open_store(str(directory), _state(directory))


def get_store() -> Store:
    """The store as the person of this session sees it: every question answered inside their perimeter."""
    return unrestricted_store().scoped(current_perimeter())


def per_data_state(resource: bool = False, **cache_args) -> Callable:
    """Decorator: cache `builder(store, *args)` per data folder, data state (the store's fingerprint) and args.

    The store is handed to the cached function as `_store`, which Streamlit does not hash. `resource=True` keeps
    the very object (st.cache_resource: not copied nor pickled; for charts, decks and indexes that nobody
    changes); otherwise each caller gets its own copy (st.cache_data). cache_args: max_entries, max_size…
    """
    cache_args.setdefault("show_spinner", False)

    def decorate(builder: Callable) -> Callable:
        def keyed(directory: str, state: str, _store: Store, *args):
            return builder(_store, *args)

        # Streamlit tells cached functions apart by module, qualified name and source, and the source of `keyed` is
        # shared: the builder's file goes into the name, since page scripts all run as module __main__.
        for name in ("__module__", "__name__", "__doc__"):
            setattr(keyed, name, getattr(builder, name))
        keyed.__qualname__ = f"{builder.__qualname__} ({builder.__code__.co_filename})"
        cached = (st.cache_resource if resource else st.cache_data)(**cache_args)(keyed)

        def call(store: Store, *args):
            return cached(str(store.data_dir), store.fingerprint, store, *args)

        update_wrapper(call, builder)
        call.clear, call._info = cached.clear, cached._info   # as on any Streamlit cached function
        return call

    return decorate


def run(name: str, **params) -> pd.DataFrame:
    """The named query on the current store; once more on a fresh one if the store was closed meanwhile
    (data changed or caches cleared by another session while this query ran)."""
    try:
        return get_store().run(name, **params)
    except duckdb.ConnectionException:
        return get_store().run(name, **params)


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


# Bounded by the pickled size of the results (least recently used dropped first), not only by their number:
# at national scale one result weighs from a few kB to 35 MB.
@per_data_state(max_entries=1024, max_size=setting("page_cache_max_size"))
def _cached_run(store: Store, name: str, params: tuple) -> pd.DataFrame:
    return run(name, **dict(params))


def query(name: str, **params) -> pd.DataFrame:
    """Result of the named query with these parameters, cached until the data changes.

    st.cache_data unpickles a new frame for every caller, so the caller may change it freely."""
    return _cached_run(get_store(), name, tuple(sorted((k, _hashable(v)) for k, v in params.items())))


def _date_range(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    dates = get_store().snapshot_dates or [date(1900, 1, 1)]
    return date_from or dates[0], date_to or dates[-1]


def indicator_values(indicator_ids: list[str], filters, breakdown: str = "total",
                     date_from: date | None = None, date_to: date | None = None, uai: str | None = None) -> pd.DataFrame:
    """Rolled-up values (queries/indicator_values.sql) over a snapshot range, all snapshots by default."""
    date_from, date_to = _date_range(date_from, date_to)
    params = filters.params()
    params["uai"] = uai
    return query("indicator_values", indicator_ids=list(indicator_ids), breakdown=breakdown,
                 date_from=date_from, date_to=date_to, **params)


@per_data_state(max_entries=256)
def _medians(store: Store, params: tuple) -> pd.DataFrame:
    return site_medians(run("indicator_values", **dict(params)))


def indicator_medians(indicator_ids: list[str], filters, date_from: date | None = None,
                      date_to: date | None = None) -> pd.DataFrame:
    """Median of the sites' values per indicator and snapshot (observatoire.metrics.fiche.site_medians).

    Only the medians are cached: the per-site rows behind them (up to 260 000 for an isolation class at
    national scale) would cost memory to keep and time to unpickle on every rerun of a fiche.
    """
    date_from, date_to = _date_range(date_from, date_to)
    params = {**filters.params(), "uai": None, "indicator_ids": tuple(indicator_ids), "breakdown": "site",
              "date_from": date_from, "date_to": date_to}
    return _medians(get_store(), tuple(sorted(params.items())))


@per_data_state(max_entries=256)
def headline_figures(store: Store, ids: tuple[str, ...], filters, day) -> tuple[pd.DataFrame, dict]:
    """Series over every snapshot and card figures at `day` (axis pages and the Synthèse)."""
    values = indicator_values(list(ids), filters)
    return values, headlines([store.catalog.indicator(i) for i in ids], values, day, filters,
                            store.territory.holiday_months, store.restricted)


def notes_for(scope: str | None = None, indicator_id: str | None = None) -> tuple:
    """The decision log (observatoire/storage/annotations.py) that applies to a circonscription `scope` (None: the
    whole territory) and an indicator (None: any), re-read when the file changes; () when it cannot be read (the
    "Décisions et annotations" page says why)."""
    store = get_store()
    notes = _annotations(str(store.data_dir), annotation_stamp(store.data_dir))
    return tuple(n for n in notes if n.applies(indicator_id, scope))


@st.cache_data(show_spinner=False, max_entries=4)
def _annotations(directory: str, stamp_ns: int) -> tuple:   # stamp_ns: in the cache key
    try:
        return tuple(read_annotations(Path(directory)))
    except ValidationError:
        return ()

