"""The explorer's engine: indicators x breakdown x period, rolled up by each indicator's own rule.

Without a pupil threshold the roll-up is queries/indicator_values.sql itself. With one ("écoles de plus
de 100 élèves"), the threshold selects sites, so the query runs per site and the sites kept are rolled
up here by the same rules (tests check both paths agree). The "site" breakdown lists every site in
scope, those without a value too, so "how many have none?" is a count of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

import pandas as pd

from observatoire.model.catalog import Indicator
from observatoire.model.filters import BREAKDOWNS, DEGREE_LABELS, SITE_TYPE_LABELS, Filters, breakdowns_for, not_broken_down

Run = Callable[..., pd.DataFrame]  # run(query_name, **params) -> DataFrame (Store.run or a cached one)

PERIODS = {"snapshot": "L'instantané choisi", "range": "Un intervalle d'instantanés", "all": "Tous les instantanés"}
DISPLAYS = {"table": "Tableau", "bars": "Barres", "lines": "Courbes", "heatmap": "Carte de chaleur"}
VALUE_FILTERS = {
    "all": "Tous les établissements",
    "missing": "Sans valeur ou valeur nulle",
    "present": "Avec une valeur non nulle",
}
# Breakdown -> (group id column, group label column) in queries/sites_in_scope.sql.
GROUP_COLUMNS = {
    "academie": ("academie_code", "academie_code"),
    "isolation": ("isolation", "isolation"),
    "zone": ("zone_code", "zone_name"),
    "commune": ("commune_code", "commune_name"),
    "circonscription": ("circonscription_code", "circonscription_name"),
    "bassin": ("bassin_code", "bassin_name"),
    "site_type": ("site_type", "site_type"),
    "degree": ("degree", "degree"),
    "site": ("uai", "name"),
}
SCOPE_DEGREE = {"1d": 1, "2d": 2}


@dataclass
class Exploration:
    """Rolled-up values (columns of indicator_values.sql) and, per indicator left out, why."""

    values: pd.DataFrame
    left_out: dict[str, str] = field(default_factory=dict)
    sites: pd.DataFrame | None = None  # sites in scope, for the "site" breakdown


def why_not(indicator: Indicator, filters: Filters, breakdown: str, min_pupils: int | None) -> str | None:
    """French reason why an indicator cannot be shown with this breakdown, filters and threshold."""
    reason = not_broken_down(indicator, filters)
    if reason:
        return reason
    if breakdown not in breakdowns_for(indicator):
        return f"Non ventilé : cet indicateur ne se ventile pas par {BREAKDOWNS[breakdown].lower()}."
    if min_pupils and indicator.level != "site":
        return "Non ventilé : le seuil d'élèves ne s'applique qu'aux indicateurs mesurés par établissement."
    return None


def explore(run: Run, indicators: list[Indicator], filters: Filters, breakdown: str,
            date_from: date, date_to: date, min_pupils: int | None = None) -> Exploration:
    """Values of the indicators that can be shown, by breakdown group and snapshot in [date_from, date_to]."""
    left_out = {i.id: r for i in indicators if (r := why_not(i, filters, breakdown, min_pupils))}
    shown = [i for i in indicators if i.id not in left_out]
    params = dict(filters.params(), date_from=date_from, date_to=date_to)
    sites = None
    if min_pupils or breakdown == "site":
        sites = run("sites_in_scope", min_pupils=min_pupils or None, **filters.params())
    if not shown:
        return Exploration(_empty(run, params), left_out, sites)
    ids = [i.id for i in shown]
    if not min_pupils:
        values = run("indicator_values", indicator_ids=ids, breakdown=breakdown, **params)
    else:
        per_site = run("indicator_values", indicator_ids=ids, breakdown="site", **params)
        values = rollup_sites(per_site, sites, {i.id: i.rollup for i in shown}, breakdown,
                              {i.id: i.scope for i in shown})
    if breakdown == "site":
        values = with_missing_sites(values, sites, shown, _snapshots(run, date_from, date_to))
    return Exploration(values, left_out, sites)


def rollup_sites(per_site: pd.DataFrame, sites: pd.DataFrame, rules: dict[str, str], breakdown: str,
                 scopes: dict[str, str] | None = None) -> pd.DataFrame:
    """Roll site rows (indicator_values by 'site') up to `breakdown`, keeping only `sites`, by each rule.

    The same rules as indicator_values.sql: sum; ratio of sums; weighted mean (value x weight summed over
    the weights); latest (summed). The site rows already follow each indicator's time rule (carried
    forward or not). Expected entities: the open `sites` of each group in the indicator's scope (`scopes`).
    """
    rows = per_site.merge(sites, left_on="group_id", right_on="uai", how="inner")
    if breakdown == "total":
        rows["group_id"], rows["group_label"] = "total", "Total"
    else:
        id_col, label_col = GROUP_COLUMNS[breakdown]
        rows["group_id"] = rows[id_col].astype("string") if breakdown == "degree" else rows[id_col]
        rows["group_label"] = rows[label_col].astype("string") if breakdown == "degree" else rows[label_col]
        rows = rows[rows["group_id"].notna()]
    rows["weighted"] = rows["value"] * rows["denominator_sum"]
    grouped = rows.groupby(["snapshot_date", "indicator_id", "group_id"], as_index=False).agg(
        group_label=("group_label", "first"),
        value_sum=("value_sum", lambda s: s.sum(min_count=1)),
        denominator_sum=("denominator_sum", lambda s: s.sum(min_count=1)),
        weighted_sum=("weighted", lambda s: s.sum(min_count=1)),
        reporting_entities=("uai", "count"),
        reporting_pupils=("pupils", "sum"),
        carried_forward=("carried_forward", "sum"),
    )
    grouped["expected_entities"] = _expected(grouped, sites, scopes or {}, breakdown)
    rule = grouped["indicator_id"].map(rules)
    denominator = grouped["denominator_sum"].where(grouped["denominator_sum"] != 0)
    grouped["value"] = grouped["value_sum"]
    grouped.loc[rule == "ratio", "value"] = grouped["value_sum"] / denominator
    grouped.loc[rule == "weighted_mean", "value"] = grouped["weighted_sum"] / denominator
    columns = ["snapshot_date", "indicator_id", "group_id", "group_label", "value", "value_sum", "denominator_sum",
               "reporting_entities", "reporting_pupils", "carried_forward", "expected_entities"]
    return grouped[columns].sort_values(["indicator_id", "snapshot_date", "group_id"]).reset_index(drop=True)


def _expected(grouped: pd.DataFrame, sites: pd.DataFrame, scopes: dict[str, str], breakdown: str) -> pd.Series:
    """Per rolled-up row: the open sites of its group in its indicator's scope."""
    open_sites = sites[sites["is_open"].fillna(True).astype(bool)] if "is_open" in sites else sites
    if breakdown == "total":
        group = pd.Series("total", index=open_sites.index)
    else:
        column = GROUP_COLUMNS[breakdown][0]
        group = open_sites[column].astype("string") if breakdown == "degree" else open_sites[column]
    counts = {}
    for degree in (None, 1, 2):
        kept = open_sites if degree is None else open_sites[open_sites["degree"] == degree]
        counts[degree] = group.loc[kept.index].value_counts().to_dict()
    return pd.Series([counts[SCOPE_DEGREE.get(scopes.get(i, "all"))].get(g, 0)
                      for i, g in zip(grouped["indicator_id"], grouped["group_id"])], index=grouped.index, dtype="int64")


def with_missing_sites(values: pd.DataFrame, sites: pd.DataFrame, indicators: list[Indicator],
                       snapshots: list[date]) -> pd.DataFrame:
    """One row per site in scope x indicator x snapshot: sites that reported nothing get an empty value."""
    frames = []
    for ind in indicators:
        degree = SCOPE_DEGREE.get(ind.scope)
        concerned = sites if degree is None else sites[sites["degree"] == degree]
        grid = pd.MultiIndex.from_product([snapshots, [ind.id], concerned["uai"].tolist()],
                                          names=["snapshot_date", "indicator_id", "group_id"]).to_frame(index=False)
        frames.append(grid)
    grid = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["snapshot_date", "indicator_id", "group_id"])
    out = grid.merge(values.drop(columns=["group_label"]), on=["snapshot_date", "indicator_id", "group_id"], how="left")
    attributes = sites.set_index("uai")
    out["group_label"] = out["group_id"].map(attributes["name"])
    out["pupils"] = out["group_id"].map(attributes["pupils"])
    out["commune_name"] = out["group_id"].map(attributes["commune_name"])
    out["reporting_entities"] = out["reporting_entities"].fillna(0).astype(int)
    return out.sort_values(["indicator_id", "snapshot_date", "group_label"]).reset_index(drop=True)


def filter_by_value(values: pd.DataFrame, which: str) -> pd.DataFrame:
    """Site rows without a value (absent or zero), with one, or all."""
    empty = values["value"].isna() | (values["value"] == 0)
    if which == "missing":
        return values[empty]
    if which == "present":
        return values[~empty]
    return values


def count_by_value(values: pd.DataFrame) -> pd.DataFrame:
    """Per indicator and snapshot: sites in scope, sites without a value (absent or zero), with one."""
    empty = values["value"].isna() | (values["value"] == 0)
    frame = values.assign(missing=empty, present=~empty)
    return frame.groupby(["indicator_id", "snapshot_date"], as_index=False).agg(
        sites=("group_id", "count"), missing=("missing", "sum"), present=("present", "sum"))


def period_bounds(period: str, dates: list[date], chosen: date | None,
                  first: date | None = None, last: date | None = None) -> tuple[date, date]:
    """(date_from, date_to) for a period: the chosen snapshot, a range (ends swapped if reversed), or all."""
    if not dates:
        return date(1900, 1, 1), date(1900, 1, 1)
    if period == "all":
        return dates[0], dates[-1]
    if period == "range":
        start, end = first or dates[0], last or dates[-1]
        return (start, end) if start <= end else (end, start)
    day = chosen or dates[-1]
    return day, day


def wide_table(values: pd.DataFrame, indicators: list[Indicator], breakdown: str, with_sites: bool) -> pd.DataFrame:
    """One row per snapshot x group, one column per indicator (its French label): the table users download."""
    label = BREAKDOWNS[breakdown]
    by_id = {i.id: i.label for i in indicators}
    keys = ["snapshot_date", "group_id", "group_label"]
    extra = ["commune_name", "pupils"] if with_sites else []
    if values.empty:
        return pd.DataFrame(columns=["Instantané", label, *by_id.values()])
    table = values.groupby(keys + extra + ["indicator_id"], dropna=False, sort=False)["value"].first() \
        .unstack("indicator_id").reset_index()
    table.columns.name = None
    table = table.dropna(subset=["group_label"])
    ordered = [i.id for i in indicators if i.id in table.columns]
    table = table[keys + extra + ordered].rename(columns={**by_id, "snapshot_date": "Instantané", "group_label": label,
                                                          "group_id": "Code", "commune_name": "Commune",
                                                          "pupils": "Élèves"})
    if breakdown == "total":
        table = table.drop(columns=["Code"])
    return table.sort_values(["Instantané", label]).reset_index(drop=True)


def _snapshots(run: Run, date_from: date, date_to: date) -> list[date]:
    snaps = run("snapshot_list")
    return sorted(d for d in snaps["snapshot_date"] if date_from <= d <= date_to)


def _empty(run: Run, params: dict) -> pd.DataFrame:
    return run("indicator_values", indicator_ids=[], breakdown="total", **params)


def relabel(values: pd.DataFrame, breakdown: str, isolation_labels: dict[str, str]) -> pd.DataFrame:
    """French group labels where the query returns codes (isolation class, site type, degree)."""
    labels = {"isolation": isolation_labels, "site_type": SITE_TYPE_LABELS,
              "degree": {str(k): v for k, v in DEGREE_LABELS.items()}}.get(breakdown)
    if not labels or values.empty:
        return values
    out = values.copy()
    out["group_label"] = out["group_id"].astype(str).map(labels).fillna(out["group_label"])
    return out
