"""Figures of the fiches (one school, one commune) and of the rankings, from query results.

Plain pandas over rows of queries/indicator_values.sql (breakdown 'site' or 'commune'); no Streamlit.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from observatoire.model.catalog import Indicator

COMPARISON_COLUMNS = ["indicator_id", "value", "previous_value", "class_median", "class_sites",
                      "area_median", "area_sites", "history"]


def applies_to_site(indicator: Indicator, degree: int) -> bool:
    """A site-level indicator whose scope covers a site of this degree."""
    if indicator.level != "site":
        return False
    return indicator.scope == "all" or indicator.scope == f"{degree}d"


def site_medians(per_site: pd.DataFrame) -> pd.DataFrame:
    """Median and number of the sites having a value, per indicator and snapshot.

    `per_site`: indicator_values rows, breakdown 'site'. Grain of the result: one row per (indicator_id,
    snapshot_date) with at least one value; columns median, sites.
    """
    rows = per_site[per_site["value"].notna()]
    out = rows.groupby(["indicator_id", "snapshot_date"], as_index=False)["value"].agg(median="median", sites="count")
    return out[["indicator_id", "snapshot_date", "median", "sites"]]


def medians(by_date: pd.DataFrame, snapshot_date: date) -> pd.DataFrame:
    """site_medians rows at one date, indexed by indicator (columns median, sites)."""
    rows = by_date[by_date["snapshot_date"] == snapshot_date]
    return rows.set_index("indicator_id")[["median", "sites"]]


def site_comparison(indicators: list[Indicator], site_rows: pd.DataFrame, class_medians: pd.DataFrame,
                    area_medians: pd.DataFrame, snapshot_date: date) -> pd.DataFrame:
    """One row per indicator: the site's value at the date, its previous value, the medians of its
    isolation class and of its circonscription (or bassin), and its history up to the date.

    class_medians, area_medians: site_medians of the class's and the area's sites."""
    mine = site_rows[site_rows["snapshot_date"] <= snapshot_date].sort_values("snapshot_date")
    by_class, by_area = medians(class_medians, snapshot_date), medians(area_medians, snapshot_date)
    out = []
    for ind in indicators:
        own = mine[mine["indicator_id"] == ind.id]
        now = own[own["snapshot_date"] == snapshot_date]["value"]
        before = own[own["snapshot_date"] < snapshot_date]["value"].dropna()
        out.append({
            "indicator_id": ind.id,
            "value": float(now.iloc[0]) if len(now) and pd.notna(now.iloc[0]) else None,
            "previous_value": float(before.iloc[-1]) if len(before) else None,
            "class_median": _get(by_class, ind.id, "median"),
            "class_sites": int(_get(by_class, ind.id, "sites") or 0),
            "area_median": _get(by_area, ind.id, "median"),
            "area_sites": int(_get(by_area, ind.id, "sites") or 0),
            "history": [float(v) for v in own["value"].fillna(0)],
        })
    return pd.DataFrame(out, columns=COMPARISON_COLUMNS)


def _get(frame: pd.DataFrame, indicator_id: str, column: str):
    if indicator_id in frame.index:
        value = frame.loc[indicator_id, column]
        return None if pd.isna(value) else float(value)
    return None


def site_ranking(per_site: pd.DataFrame, directory: pd.DataFrame, direction: str = "up") -> pd.DataFrame:
    """Sites with their value at one snapshot, best first (rank 1), joined to their identity.

    `per_site`: indicator_values rows of one indicator and one snapshot, breakdown 'site'.
    `directory`: queries/site_directory.sql rows.
    """
    values = per_site[["group_id", "value", "value_sum", "denominator_sum"]].rename(columns={"group_id": "uai"})
    out = values.merge(directory, on="uai", how="left")
    out = out.sort_values(["value", "name"], ascending=[direction != "up", True], na_position="last", kind="stable")
    out.insert(0, "rank", range(1, len(out) + 1))
    return out.reset_index(drop=True)


def commune_ranking(per_commune: pd.DataFrame, communes: pd.DataFrame, direction: str = "up") -> pd.DataFrame:
    """Communes with their value at one snapshot, best first, with their zone and isolation class.

    `per_commune`: indicator_values rows of one indicator and one snapshot, breakdown 'commune'.
    `communes`: the territory's communes table (insee, name, population, isolation, zone).
    """
    values = per_commune[["group_id", "group_label", "value", "value_sum", "denominator_sum", "reporting_entities"]]
    info = communes[["insee", "population", "isolation", "zone"]].rename(columns={"insee": "group_id"})
    out = values.merge(info, on="group_id", how="left").rename(columns={"group_id": "code", "group_label": "name"})
    out = out.sort_values(["value", "name"], ascending=[direction != "up", True], na_position="last", kind="stable")
    out.insert(0, "rank", range(1, len(out) + 1))
    return out.reset_index(drop=True)


def selected_key(selection, frame: pd.DataFrame, column: str) -> str | None:
    """The `column` value of the row picked in a single-row st.dataframe selection, or None.

    `selection` is what st.dataframe(on_select=...) returns (or its dict form); rows are positions
    in `frame` as given, whatever order the user sorted the table in.
    """
    if selection is None:
        return None
    inner = selection.get("selection", {}) if isinstance(selection, dict) else getattr(selection, "selection", None)
    if inner is None:
        return None
    rows = inner.get("rows", []) if isinstance(inner, dict) else getattr(inner, "rows", [])
    if not rows:
        return None
    position = rows[0]
    if not 0 <= position < len(frame):
        return None
    return str(frame.iloc[position][column])
