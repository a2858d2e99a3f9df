"""Headline figures: changes, progress to target and status, on hand-made series."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from observatoire.model.catalog import Indicator
from observatoire.model.filters import Filters
from observatoire.metrics.progress import headline, target_applies

BASE = Indicator(id="x", objective="o", roadmap_line="X", label="X", definition="d", unit="count", level="site",
                 rollup="sum", temporality="state", source="DRANE", direction="up",
                 targets={"2024-2025": 120.0})


def series(points: dict[date, float]) -> pd.DataFrame:
    return pd.DataFrame({"snapshot_date": list(points), "value": list(points.values())})


def test_state_changes_from_the_first_snapshot_from_september_on():
    """Issue 14: not from the previous August (the summer low), whatever the month shown."""
    s = series({date(2024, 8, 31): 60, date(2024, 9, 30): 70, date(2024, 10, 31): 80})
    h = headline(BASE, s, date(2024, 10, 31))
    assert (h.value, h.previous_value, h.year_start_value) == (80, 70, 70)
    assert h.baseline_date == date(2024, 9, 30)
    assert h.change_previous == 10 and h.change_year == 10
    assert h.progress == pytest.approx(80 / 120)
    # 31 days since the baseline, 336 from it to 31 August: 70 + 10 * 336 / 31 ≈ 178,4 >= 120 -> on track.
    assert h.projected == pytest.approx(70 + 10 * 336 / 31)
    assert h.status == "on_track"


def test_late_when_the_trend_does_not_reach_the_target():
    s = series({date(2024, 8, 31): 100, date(2025, 5, 31): 105})
    h = headline(BASE, s, date(2025, 5, 31))
    assert h.status == "late"


def test_ahead_when_the_target_is_already_reached():
    s = series({date(2024, 8, 31): 100, date(2025, 1, 31): 130})
    assert headline(BASE, s, date(2025, 1, 31)).status == "ahead"


def test_direction_down_inverts_the_status():
    down = replace(BASE, direction="down", targets={"2024-2025": 50.0})
    s = series({date(2024, 8, 31): 100, date(2025, 5, 31): 95})
    assert headline(down, s, date(2025, 5, 31)).status == "late"


def test_cumulative_starts_the_year_at_zero():
    cumul = replace(BASE, temporality="cumulative")
    s = series({date(2024, 9, 30): 10, date(2024, 10, 31): 25})
    h = headline(cumul, s, date(2024, 10, 31))
    assert h.year_start_value == 0 and h.change_year == 25


def test_missing_value_is_not_zero():
    s = series({date(2024, 9, 30): 10})
    h = headline(BASE, s, date(2024, 10, 31))
    assert not h.has_data and h.value is None and h.status is None


def test_targets_of_totals_do_not_apply_under_a_filter():
    rate = replace(BASE, unit="rate", rollup="ratio", denominator_label="élèves")
    assert target_applies(BASE, Filters()) and not target_applies(BASE, Filters(commune="97302"))
    assert target_applies(rate, Filters(commune="97302"))
