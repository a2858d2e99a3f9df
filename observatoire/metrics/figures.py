"""The cards' figures as rows: one per indicator at a snapshot, for `observatoire values` and scripts.

The same code as the cards: queries/indicator_values.sql over every snapshot (breakdown total), then
observatoire.metrics.progress.headlines.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from observatoire.metrics.progress import Headline, headlines
from observatoire.model.filters import Filters

COLUMNS = ["indicator_id", "label", "unit", "temporality", "value", "status", "reporting", "expected",
           "carried_forward", "is_partial", "baseline_date", "baseline_value", "change_since_baseline",
           "baseline_reporting", "previous_value", "last_year_value", "target", "projected", "not_shown_reason"]


def card_values(store, filters: Filters) -> pd.DataFrame:
    """Rolled-up totals of every indicator over every snapshot, with the cards' parameters."""
    dates = store.snapshot_dates
    if not dates:
        return pd.DataFrame()
    return store.run("indicator_values", indicator_ids=store.catalog.ids, breakdown="total",
                     date_from=dates[0], date_to=dates[-1], **filters.params())


INTEGER_COLUMNS = ["reporting", "expected", "carried_forward", "baseline_reporting"]


def figure_records(store, snapshot_date: date, filters: Filters) -> list[dict]:
    """One dict per indicator of the roadmap: what its card shows at `snapshot_date` under `filters`."""
    indicators = list(store.catalog.indicators)
    figures = headlines(indicators, card_values(store, filters), snapshot_date, filters,
                        store.territory.holiday_months, store.restricted)
    return [_row(ind, *figures[ind.id]) for ind in indicators]


def figure_rows(store, snapshot_date: date, filters: Filters) -> pd.DataFrame:
    """figure_records as a frame (counts as nullable integers)."""
    frame = pd.DataFrame(figure_records(store, snapshot_date, filters), columns=COLUMNS)
    return frame.astype({c: "Int64" for c in INTEGER_COLUMNS})


def _row(indicator, h: Headline | None, reason: str | None) -> dict:
    c = h.completeness if h else None
    b = h.baseline_completeness if h else None
    return {
        "indicator_id": indicator.id, "label": indicator.label, "unit": indicator.unit,
        "temporality": indicator.temporality,
        "value": h.value if h else None,
        "status": h.status if h else None,
        "reporting": c.reporting if c else (0 if h else None),
        "expected": c.expected if c else None,
        "carried_forward": c.carried_forward if c else (0 if h else None),
        "is_partial": c.is_partial() if c else None,
        "baseline_date": h.baseline_date.isoformat() if h and h.baseline_date else None,
        "baseline_value": h.year_start_value if h else None,
        "change_since_baseline": h.change_year if h else None,
        "baseline_reporting": b.reporting if b else None,
        "previous_value": h.previous_value if h else None,
        "last_year_value": h.last_year_value if h else None,
        "target": h.target if h else None,
        "projected": h.projected if h else None,
        "not_shown_reason": reason,
    }
