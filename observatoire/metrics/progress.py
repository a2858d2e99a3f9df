"""Headline figures of an indicator from its series: value, changes, progress to target, status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from observatoire.model.catalog import Indicator
from observatoire.model.filters import not_broken_down
from observatoire.model.dates import school_year, school_year_bounds
from observatoire.settings import setting

COMPLETENESS_COLUMNS = ("reporting_entities", "expected_entities", "carried_forward")
STATUS_LABELS = {"ahead": "en avance", "on_track": "dans les temps", "late": "en retard"}


@dataclass(frozen=True)
class Completeness:
    """Entities behind a figure: with a value (reported or carried forward) out of those expected."""

    reporting: int
    expected: int
    carried_forward: int

    @property
    def share(self) -> float | None:
        return self.reporting / self.expected if self.expected else None

    def is_partial(self, threshold: float | None = None) -> bool:
        limit = float(setting("completeness_threshold")) if threshold is None else threshold
        return self.share is not None and self.share < limit


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
    baseline_date: date | None = None           # what "depuis la rentrée" compares with
    completeness: Completeness | None = None
    baseline_completeness: Completeness | None = None
    previous_completeness: Completeness | None = None
    last_year_value: float | None = None        # activity: the same month of the previous school year
    holiday: bool = False                       # activity in a holiday month: no status

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

    @property
    def completeness_differs(self) -> bool:
        """Whether the baseline rests on a different number of entities than the figure (a warning to show)."""
        a, b = self.completeness, self.baseline_completeness
        return a is not None and b is not None and a.reporting != b.reporting


def _value_at(series: pd.Series, day: date) -> float | None:
    if day in series.index and pd.notna(series[day]):
        return float(series[day])
    return None


def completeness_of(row) -> Completeness | None:
    """The completeness of one indicator_values row (None for a frame without those columns)."""
    if row is None or "expected_entities" not in row or pd.isna(row["expected_entities"]):
        return None
    return Completeness(int(row["reporting_entities"]), int(row["expected_entities"]), int(row["carried_forward"]))


def _completeness_at(rows: pd.DataFrame, day: date | None) -> Completeness | None:
    if day is None or rows is None or "expected_entities" not in rows:
        return None
    at = rows[rows["snapshot_date"] == day]
    return completeness_of(at.iloc[0]) if len(at) else None


def headline(indicator: Indicator, series: pd.DataFrame, snapshot_date: date, target_applies: bool = True,
             holiday_months: tuple[int, ...] = (7, 8)) -> Headline:
    """Figures for one indicator at `snapshot_date` from its rolled-up series (columns snapshot_date, value,
    and the completeness columns of indicator_values.sql when present).

    "Depuis la rentrée": a cumulative total or a deliverable starts from zero at the rentrée; a state or an
    activity from the school year's first snapshot from September on, whatever the month shown.
    Status: the trend since that baseline, projected linearly to 31 August, against the target; none for an
    activity indicator in a holiday month (`holiday_months`, from the territory).
    """
    s = series.set_index("snapshot_date")["value"].sort_index() if len(series) else pd.Series(dtype=float)
    s = s[s.index <= snapshot_date]
    value = _value_at(s, snapshot_date)
    earlier = s[s.index < snapshot_date].dropna()
    previous = float(earlier.iloc[-1]) if len(earlier) else None
    previous_date = earlier.index[-1] if len(earlier) else None
    year = school_year(snapshot_date)
    start, end = school_year_bounds(year)
    in_year = s[(s.index >= start)].dropna()
    if indicator.temporality in ("cumulative", "deliverable"):
        year_start = 0.0 if value is not None else None
        baseline_date = start
    elif len(in_year):
        year_start, baseline_date = float(in_year.iloc[0]), in_year.index[0]
    else:
        year_start = baseline_date = None
    last_year = None
    if indicator.temporality == "activity":
        same_month = [d for d in s.index if (d.year, d.month) == (snapshot_date.year - 1, snapshot_date.month)]
        last_year = _value_at(s, same_month[-1]) if same_month else None
    holiday = indicator.temporality == "activity" and snapshot_date.month in holiday_months
    target = indicator.target(year) if target_applies else None
    progress = projected = status = None
    if target is not None and value is not None and target != 0:
        progress = value / target
        origin = start if baseline_date is None or indicator.temporality in ("cumulative", "deliverable") else baseline_date
        elapsed = (snapshot_date - origin).days + (1 if origin == start else 0)
        total = (end - origin).days + 1
        if indicator.unit == "deliverable":
            projected = value
        elif year_start is not None:
            projected = value if elapsed <= 0 else year_start + (value - year_start) * total / elapsed
        if projected is not None:
            up = indicator.direction == "up"
            if (projected >= target) if up else (projected <= target):
                status = "ahead" if ((value >= target) if up else (value <= target)) else "on_track"
            else:
                status = "late"
            if indicator.unit == "deliverable":
                share = (snapshot_date - start).days / ((end - start).days + 1)
                status = "ahead" if value >= target else ("late" if share > 0.75 else "on_track")
        if holiday:
            projected = status = None
    frame = series if "expected_entities" in series else None
    return Headline(indicator.id, snapshot_date, value, previous, year_start, target, progress, projected, status,
                    baseline_date=baseline_date, completeness=_completeness_at(frame, snapshot_date),
                    baseline_completeness=_completeness_at(frame, baseline_date),
                    previous_completeness=_completeness_at(frame, previous_date),
                    last_year_value=last_year, holiday=holiday)


def target_is_level(indicator: Indicator) -> bool:
    """A rate, score or deliverable target holds for any part of the académie; a count's or amount's target
    is the académie's total, meaningless for one group, area or school."""
    return indicator.unit in ("rate", "score", "deliverable")


def target_applies(indicator: Indicator, filters, restricted: bool = False) -> bool:
    """Targets are set for the whole académie: a total (count, amount) under a filter, or inside a person's
    perimeter narrower than the académie (`restricted`), has none."""
    return (not filters.active() and not restricted) or target_is_level(indicator)


def headlines(indicators: list[Indicator], values: pd.DataFrame, snapshot_date: date, filters,
              holiday_months: tuple[int, ...] = (7, 8), restricted: bool = False) -> dict[str, tuple[Headline | None, str | None]]:
    """indicator id -> (headline, reason it is not shown), from indicator_values rows (breakdown total);
    `restricted`: the values are a person's perimeter, not the whole académie (see target_applies)."""
    out = {}
    for ind in indicators:
        reason = not_broken_down(ind, filters)
        if reason:
            out[ind.id] = (None, reason)
            continue
        columns = ["snapshot_date", "value"] + [c for c in COMPLETENESS_COLUMNS if c in values]
        series = values[values["indicator_id"] == ind.id][columns]
        out[ind.id] = (headline(ind, series, snapshot_date, target_applies(ind, filters, restricted), holiday_months), None)
    return out
