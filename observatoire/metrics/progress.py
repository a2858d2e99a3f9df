"""Headline figures of an indicator from its series: value, changes, progress to target, status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from observatoire.model.catalog import Indicator
from observatoire.model.filters import not_broken_down
from observatoire.model.dates import school_year, school_year_bounds

STATUS_LABELS = {"ahead": "en avance", "on_track": "dans les temps", "late": "en retard"}


@dataclass(frozen=True)
class Headline:
    indicator_id: str
    snapshot_date: date
    value: float | None
    previous_value: float | None
    year_start_value: float | None
    target: float | None
    progress: float | None          # share of the target reached (0..1+), None without target
    projected: float | None         # value projected to the end of the school year
    status: str | None              # ahead | on_track | late, None without target or trend

    @property
    def has_data(self) -> bool:
        return self.value is not None

    @property
    def change_previous(self) -> float | None:
        return None if self.value is None or self.previous_value is None else self.value - self.previous_value

    @property
    def change_year(self) -> float | None:
        return None if self.value is None or self.year_start_value is None else self.value - self.year_start_value

    @property
    def status_label(self) -> str | None:
        return STATUS_LABELS.get(self.status) if self.status else None


def _value_at(series: pd.Series, day: date) -> float | None:
    if day in series.index and pd.notna(series[day]):
        return float(series[day])
    return None


def headline(indicator: Indicator, series: pd.DataFrame, snapshot_date: date, target_applies: bool = True) -> Headline:
    """Figures for one indicator at `snapshot_date` from its rolled-up series (columns snapshot_date, value).

    Change since the start of the school year: for a cumulative indicator the year starts from zero;
    for a state, from the last snapshot of the previous school year (or the first of this one).
    Status: the trend since the start of the year, projected linearly to 31 August, against the target.
    """
    s = series.set_index("snapshot_date")["value"].sort_index() if len(series) else pd.Series(dtype=float)
    s = s[s.index <= snapshot_date]
    value = _value_at(s, snapshot_date)
    earlier = s[s.index < snapshot_date].dropna()
    previous = float(earlier.iloc[-1]) if len(earlier) else None
    year = school_year(snapshot_date)
    start, end = school_year_bounds(year)
    before_year = s[s.index < start].dropna()
    in_year = s[(s.index >= start)].dropna()
    cumulative = indicator.temporality == "cumulative"
    if cumulative:
        year_start = 0.0 if value is not None else None
    elif len(before_year):
        year_start = float(before_year.iloc[-1])
    else:
        year_start = float(in_year.iloc[0]) if len(in_year) else None
    target = indicator.target(year) if target_applies else None
    progress = projected = status = None
    if target is not None and value is not None and target != 0:
        progress = value / target
        elapsed = (snapshot_date - start).days + 1
        total = (end - start).days + 1
        if indicator.unit == "deliverable":
            projected = value
        elif year_start is not None and elapsed > 0:
            projected = year_start + (value - year_start) * total / elapsed
        if projected is not None:
            up = indicator.direction == "up"
            if (projected >= target) if up else (projected <= target):
                status = "ahead" if ((value >= target) if up else (value <= target)) else "on_track"
            else:
                status = "late"
            if indicator.unit == "deliverable":
                status = "ahead" if value >= target else ("late" if elapsed / total > 0.75 else "on_track")
    return Headline(indicator.id, snapshot_date, value, previous, year_start, target, progress, projected, status)


def target_is_level(indicator: Indicator) -> bool:
    """A rate, score or deliverable target holds for any part of the académie; a count's or amount's target
    is the académie's total, meaningless for one group, area or school."""
    return indicator.unit in ("rate", "score", "deliverable")


def target_applies(indicator: Indicator, filters) -> bool:
    """Targets are set for the whole académie: a total (count, amount) under a filter has none."""
    return not filters.active() or target_is_level(indicator)


def headlines(indicators: list[Indicator], values: pd.DataFrame, snapshot_date: date, filters) -> dict[str, tuple[Headline | None, str | None]]:
    """indicator id -> (headline, reason it is not shown), from indicator_values rows (breakdown total)."""
    out = {}
    for ind in indicators:
        reason = not_broken_down(ind, filters)
        if reason:
            out[ind.id] = (None, reason)
            continue
        series = values[values["indicator_id"] == ind.id][["snapshot_date", "value"]]
        out[ind.id] = (headline(ind, series, snapshot_date, target_applies(ind, filters)), None)
    return out
