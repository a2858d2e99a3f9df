"""Background warm-up: after warm(store), the pages' card figures come from the cache."""

from __future__ import annotations

import pytest


def test_warm_fills_the_cards_caches(demo_dir, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(demo_dir))
    from components import session, warmup
    from observatoire.model.filters import Filters

    store = session.get_store()
    built = warmup.warm(store)
    assert built >= 1 + len(store.catalog.axes)   # the Synthèse and each axis, for the whole territory at least
    calls = []
    monkeypatch.setattr(session, "indicator_values", lambda *a, **k: calls.append(a))
    axis = store.catalog.axes[0]
    ids = tuple(i.id for i in store.catalog.indicators_of_axis(axis.id))
    session.headline_figures(store, ids, Filters(), store.snapshot_dates[-1])
    assert calls == []   # a cache hit: nothing recomputed


@pytest.mark.parametrize(("value", "on"), [("1", True), ("0", False), ("non", False)])
def test_warm_up_can_be_turned_off(monkeypatch, value, on):
    from components import warmup

    monkeypatch.setenv("OBSERVATOIRE_WARM_CACHES", value)
    assert warmup.enabled() is on
