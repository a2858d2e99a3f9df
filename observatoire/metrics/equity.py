"""Equity gap: how far the most isolated sites are from the most urban ones, indicator by indicator.

The roadmap's equity aim (territory.toml's equity_motto) made measurable. For a rate (or a score) the gap
is the difference of the two classes' rolled-up values (in points for a rate); for a count or an amount it
is the difference of the values per pupil (value_sum / reporting_pupils), so a class with more
pupils does not look better only because it is bigger. Isolated minus urban: a negative gap on an
indicator where higher is better means isolated sites are behind.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from observatoire.model.catalog import Indicator
from observatoire.model.dates import format_date_fr
from observatoire.model.filters import not_broken_down
from observatoire.output.numbers import format_number, format_percent, format_points, format_signed, format_value

# Counts per pupil are tiny numbers (0,0005); they are shown per 1 000 pupils.
PER_PUPILS = 1000
GAP_COLUMNS = ["snapshot_date", "urban_value", "isolated_value", "gap"]


def extreme_classes(territory) -> tuple[str, str]:
    """(most urban, most isolated) class ids: the first and last of the territory's ordered classes."""
    ids = [c.id for c in territory.isolation]
    return ids[0], ids[-1]


def per_pupil(indicator: Indicator) -> bool:
    """Counts and amounts compare per pupil; rates and scores compare as they are."""
    return indicator.unit in ("count", "amount")


def applies(indicator: Indicator) -> bool:
    """The gap is measured for site-level indicators with a number (not a deliverable)."""
    return indicator.level == "site" and indicator.unit != "deliverable"


def gap_reason(indicator: Indicator, filters, class_labels: dict[str, str]) -> str | None:
    """French reason why no gap is shown for this indicator under these filters, or None."""
    if not applies(indicator):
        return "Écart non calculé : l'indicateur n'est pas mesuré par établissement."
    if filters.isolation:
        label = class_labels.get(filters.isolation, filters.isolation)
        return (f"Écart non calculé : le filtre « classe d'isolement : {label} » ne garde qu'une classe ; "
                "retirez-le pour comparer les classes.")
    return not_broken_down(indicator, filters)


def gap_frame(indicators: list[Indicator], by_isolation: pd.DataFrame, urban: str, isolated: str) -> pd.DataFrame:
    """One row per indicator and snapshot where both classes reported: urban_value, isolated_value and
    gap (isolated − urban). `by_isolation`: rows of queries/indicator_values.sql with breakdown 'isolation'."""
    columns = ["indicator_id", *GAP_COLUMNS]
    pupil_based = {i.id: per_pupil(i) for i in indicators}
    if by_isolation.empty:
        return pd.DataFrame(columns=columns)
    rows = by_isolation[by_isolation["indicator_id"].isin(list(pupil_based))
                        & by_isolation["group_id"].isin([urban, isolated])]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    pupils = rows["reporting_pupils"].where(rows["reporting_pupils"] > 0)
    based = rows["indicator_id"].map(pupil_based).astype(bool)
    compared = (rows["value_sum"] / pupils).where(based, rows["value"])
    wide = rows.assign(compared=compared).set_index(["indicator_id", "snapshot_date", "group_id"])["compared"] \
        .unstack("group_id")
    if urban not in wide.columns or isolated not in wide.columns:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame({"urban_value": wide[urban], "isolated_value": wide[isolated]}).dropna()
    out["gap"] = out["isolated_value"] - out["urban_value"]
    return out.reset_index().sort_values(["indicator_id", "snapshot_date"])[columns].reset_index(drop=True)


def gap_series(indicator: Indicator, by_isolation: pd.DataFrame, urban: str, isolated: str) -> pd.DataFrame:
    """The gap of one indicator at each snapshot (columns snapshot_date, urban_value, isolated_value, gap)."""
    return gap_frame([indicator], by_isolation, urban, isolated)[GAP_COLUMNS]


def gap_summary(indicators: list[Indicator], by_isolation: pd.DataFrame, snapshot_date: date,
                urban: str, isolated: str) -> pd.DataFrame:
    """One row per indicator with both classes at `snapshot_date`.

    Columns: indicator_id, urban_value, isolated_value, gap, relative_gap (gap / urban value: compares
    indicators of different units), gap_previous (previous snapshot), gap_year_ago (same month a year
    earlier: cumulative indicators restart each September), behind (isolated sites on the wrong side,
    given the indicator's direction), history (the gap at each snapshot up to the date). Sorted by the
    size of the relative gap, largest first.
    """
    columns = ["indicator_id", "urban_value", "isolated_value", "gap", "relative_gap",
               "gap_previous", "gap_year_ago", "behind", "history"]
    frame = gap_frame(indicators, by_isolation, urban, isolated)
    frame = frame[frame["snapshot_date"] <= snapshot_date]
    year_ago = (snapshot_date.year - 1, snapshot_date.month)
    directions = {i.id: i.direction for i in indicators}
    rows = []
    for indicator_id, series in frame.groupby("indicator_id", sort=False):
        last = series.iloc[-1]
        if last["snapshot_date"] != snapshot_date:
            continue
        then = series[[(d.year, d.month) == year_ago for d in series["snapshot_date"]]]
        gap = float(last["gap"])
        rows.append({
            "indicator_id": indicator_id,
            "urban_value": float(last["urban_value"]),
            "isolated_value": float(last["isolated_value"]),
            "gap": gap,
            "relative_gap": gap / last["urban_value"] if last["urban_value"] else None,
            "gap_previous": float(series["gap"].iloc[-2]) if len(series) > 1 else None,
            "gap_year_ago": float(then["gap"].iloc[-1]) if len(then) else None,
            "behind": (gap < 0) if directions[indicator_id] == "up" else (gap > 0),
            "history": [float(g) for g in series["gap"]],
        })
    out = pd.DataFrame(rows, columns=columns)
    if out.empty:
        return out
    out["relative_gap"] = pd.to_numeric(out["relative_gap"])
    size = out["relative_gap"].abs().fillna(0)
    return out.assign(_size=size).sort_values("_size", ascending=False, kind="stable").drop(columns="_size") \
        .reset_index(drop=True)


def measure(indicator: Indicator) -> str:
    """What a compared value and its gap are counted in, said once for a table row."""
    if per_pupil(indicator):
        return ("€ " if indicator.unit == "amount" else "") + "pour 1\u202f000 élèves"
    return "taux en %, écart en points" if indicator.unit == "rate" else indicator.unit


def format_compared(value, indicator: Indicator, unit: bool = True) -> str:
    """A class's compared value in French: '8,5 %' for a rate, '12,3 pour 1 000 élèves' for a count
    ('12,3' without its unit, for a table whose row says it: `measure`)."""
    if per_pupil(indicator):
        if value is None or pd.isna(value):
            return "—"
        if not unit:
            return format_number(value * PER_PUPILS, 1)
        money = "\u202f€" if indicator.unit == "amount" else ""
        return f"{format_number(value * PER_PUPILS, 1)}{money} pour 1\u202f000 élèves"
    return format_value(value, indicator.unit)


def format_gap(gap, indicator: Indicator, unit: bool = True) -> str:
    """The gap in French: '−5,0 points' for a rate, '−12,3 pour 1 000 élèves' for a count ('−5,0', '−12,3'
    without their unit)."""
    if gap is None or pd.isna(gap):
        return "—"
    if indicator.unit == "rate":
        return format_points(gap) if unit else format_signed(gap * 100, 1)
    if per_pupil(indicator):
        number = format_signed(gap * PER_PUPILS, 1)
        if not unit:
            return number
        money = "\u202f€" if indicator.unit == "amount" else ""
        return f"{number}{money} pour 1\u202f000 élèves"
    return format_signed(gap, 2)


def gap_sentence(indicator: Indicator, row: pd.Series | dict, snapshot_date: date,
                 urban_label: str, isolated_label: str) -> str:
    """One French sentence: both classes' values, the gap, and how it moved in a year."""
    text = (f"Au {format_date_fr(snapshot_date)}, sites « {isolated_label} » : "
            f"{format_compared(row['isolated_value'], indicator)} ; sites « {urban_label} » : "
            f"{format_compared(row['urban_value'], indicator)}. Écart : {format_gap(row['gap'], indicator)}")
    if row.get("relative_gap") is not None and not pd.isna(row.get("relative_gap")):
        text += f" ({format_percent(row['relative_gap'], 0)} de la valeur urbaine)"
    year_ago = row.get("gap_year_ago")
    if year_ago is not None and not pd.isna(year_ago):
        change = row["gap"] - year_ago
        text += f" ; il était de {format_gap(year_ago, indicator)} un an plus tôt"
        widening = abs(row["gap"]) > abs(year_ago)
        text += " : l'écart se creuse" if widening and abs(change) > 1e-12 else (
            " : l'écart se réduit" if abs(change) > 1e-12 else "")
    return text + "."
