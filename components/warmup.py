"""Warm the pages' caches in the background, so that the first visitor after a new snapshot (or after the
server starts) does not pay the cold cost.

A watcher thread, one per process, polls the data folder's fingerprint; when it changes (an import through
this process or any other process sharing the folder), it opens the new store and fills the caches that the
first screen of every heavy page reads: the sidebar's filter labels, the site directory, and the cards'
figures of the Synthèse and of each axis page at the latest snapshot, for the whole territory then for each
circonscription (the inspectors' links). Cached functions are process-global, so the sessions find them ready.
"""

from __future__ import annotations

import threading
import time

from streamlit.logger import get_logger

from observatoire.model.filters import Filters
from observatoire.settings import data_dir, setting
from observatoire.storage.snapshots import fingerprint

LOG = get_logger(__name__)   # Streamlit's logger: its level follows --logger.level
POLL_SECONDS = 2.0


def enabled() -> bool:
    return setting("warm_caches") not in ("0", "false", "non")


def warm(store) -> int:
    """Fill the caches for this store's latest snapshot; returns how many card sets were built."""
    from components.session import headline_figures, query
    from components.state import filter_labels

    if not store.snapshot_dates:
        return 0
    day = store.snapshot_dates[-1]
    labels = filter_labels(store)
    query("site_directory", uai=None)
    catalog = store.catalog
    groups = [tuple(i.id for i in catalog.indicators if i.headline)]
    groups += [tuple(i.id for i in catalog.indicators_of_axis(a.id)) for a in catalog.axes]
    scopes = [Filters()] + [Filters(circonscription=c) for c in labels.get("circonscription", {})]
    built = 0
    for filters in scopes:
        for ids in groups:
            if store.fingerprint != fingerprint(store.data_dir):
                return built   # newer data: the watcher starts over on it
            headline_figures(store, ids, filters, day)
            built += 1
    return built


def _watch(stop: threading.Event) -> None:
    from components.session import get_store

    seen = None
    while not stop.is_set():
        try:
            state = fingerprint(data_dir())
            if state != seen:
                started = time.monotonic()
                built = warm(get_store())
                seen = state
                LOG.info("caches warmed for %s: %d card sets in %.1f s", data_dir(), built, time.monotonic() - started)
        except Exception:  # noqa: BLE001 — warming is an optimisation: a failure leaves the pages to fill caches
            LOG.warning("cache warm-up failed; pages fill their caches on demand", exc_info=True)
            seen = fingerprint(data_dir())
        stop.wait(POLL_SECONDS)


_started: dict[str, threading.Event] = {}
_lock = threading.Lock()


def start() -> None:
    """Start this process's watcher for the current data folder (once; a no-op when disabled)."""
    if not enabled():
        return
    directory = str(data_dir())
    with _lock:
        if directory in _started:
            return
        _started[directory] = stop = threading.Event()
    threading.Thread(target=_watch, args=(stop,), name="observatoire-warmup", daemon=True).start()


def stop_all() -> None:
    """Stop every watcher (tests)."""
    with _lock:
        for event in _started.values():
            event.set()
        _started.clear()
