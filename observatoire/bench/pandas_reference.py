"""The pandas reference: the pages' roll-up questions answered the way most Streamlit dashboards would.

Every snapshot's facts read into one DataFrame, then queries/indicator_values.sql answered by the same rules;
the answer is compared with DuckDB's.
"""

from __future__ import annotations

import time
from pathlib import Path

from observatoire.bench.measure import peak_rss_bytes, summary, warm_timings
from observatoire.bench.queries import from_json


def load_pandas(data_dir: Path):
    """What most Streamlit dashboards do: every snapshot's facts in one DataFrame, plus the entities."""
    import pandas as pd

    from observatoire.model.territory import load_territory
    from observatoire.settings import territory_folder
    from observatoire.storage.snapshots import list_snapshots

    frames = []
    for info in list_snapshots(data_dir):
        frame = pd.read_parquet(info.path / "facts.parquet")
        frame["snapshot_date"] = pd.Timestamp(info.snapshot_date)
        frames.append(frame)
    facts = pd.concat(frames, ignore_index=True)
    territory = load_territory(territory_folder(data_dir))
    sites = pd.read_parquet(Path(data_dir) / "reference" / "sites.parquet")
    communes = territory.communes.rename(columns={"insee": "commune_code", "name": "commune_name", "zone": "zone_code"})
    zones = territory.zones.rename(columns={"zone": "zone_code", "name": "zone_name"})
    communes = communes.merge(zones, on="zone_code", how="left")
    circ = dict(zip(territory.circonscriptions["code"], territory.circonscriptions["name"]))
    bassins = dict(zip(territory.bassins["code"], territory.bassins["name"]))
    site_rows = sites.merge(communes[["commune_code", "commune_name", "zone_code", "zone_name"]], on="commune_code",
                            how="left")
    site_rows = pd.DataFrame({
        "entity_level": "site", "entity_id": site_rows["uai"], "entity_name": site_rows["name"],
        "commune_code": site_rows["commune_code"], "commune_name": site_rows["commune_name"],
        "zone_code": site_rows["zone_code"], "zone_name": site_rows["zone_name"], "isolation": site_rows["isolation"],
        "circonscription_code": site_rows["circonscription_code"],
        "circonscription_name": site_rows["circonscription_code"].map(circ),
        "bassin_code": site_rows["bassin_code"], "bassin_name": site_rows["bassin_code"].map(bassins),
        "degree": site_rows["degree"].astype("Int64"), "site_type": site_rows["site_type"], "pupils": site_rows["pupils"],
    })
    pupils = sites.groupby("commune_code")["pupils"].sum()
    commune_rows = pd.DataFrame({
        "entity_level": "commune", "entity_id": communes["commune_code"], "entity_name": communes["commune_name"],
        "commune_code": communes["commune_code"], "commune_name": communes["commune_name"],
        "zone_code": communes["zone_code"], "zone_name": communes["zone_name"], "isolation": communes["isolation"],
        "pupils": communes["commune_code"].map(pupils).fillna(0).astype(int),
    })
    academie = pd.DataFrame({"entity_level": ["academie"], "entity_id": [territory.academie_code],
                             "entity_name": [territory.academie_name], "pupils": [int(sites["pupils"].sum())]})
    entities = pd.concat([site_rows, commune_rows, academie], ignore_index=True)
    return facts, entities


BREAKDOWN_COLUMNS = {
    "isolation": ("isolation", "isolation"), "zone": ("zone_code", "zone_name"),
    "commune": ("commune_code", "commune_name"), "circonscription": ("circonscription_code", "circonscription_name"),
    "bassin": ("bassin_code", "bassin_name"), "site_type": ("site_type", "site_type"),
    "degree": ("degree", "degree"), "site": ("entity_id", "entity_name"),
}


def pandas_indicator_values(facts, entities, rules: dict[str, str], snapshot_dates: list, params: dict,
                            carried: frozenset = frozenset()):
    """queries/indicator_values.sql answered in pandas, by the same rules (the baseline); `carried`: the ids
    whose last report of the school year is carried forward (every temporality but activity)."""
    import pandas as pd

    from observatoire.model.dates import school_year

    ids = list(params["indicator_ids"])
    start, end = pd.Timestamp(params["date_from"]), pd.Timestamp(params["date_to"])
    # the same time rules: activity -> the snapshot's facts; the others -> last report of the school year
    direct_ids = [i for i in ids if i in rules and i not in carried]
    carried_ids = [i for i in ids if i in rules and i in carried]
    parts = [facts[facts["indicator_id"].isin(direct_ids) & facts["snapshot_date"].between(start, end)]]
    if carried_ids:
        pool = facts[facts["indicator_id"].isin(carried_ids) & (facts["snapshot_date"] <= end)]
        pool = pool.sort_values("snapshot_date")
        years = pool["snapshot_date"].map(lambda d: school_year(d.date()))
        for day in [pd.Timestamp(d) for d in snapshot_dates if start <= pd.Timestamp(d) <= end]:
            in_year = (pool["snapshot_date"] <= day) & (years == school_year(day.date()))
            last = pool[in_year].drop_duplicates(["indicator_id", "entity_level", "entity_id"], keep="last")
            parts.append(last.assign(snapshot_date=day))
    rows = pd.concat(parts, ignore_index=True)
    scope = entities
    for key, column in (("commune", "commune_code"), ("zone", "zone_code"), ("isolation", "isolation"),
                        ("circonscription", "circonscription_code"), ("bassin", "bassin_code"),
                        ("degree", "degree"), ("site_type", "site_type"), ("uai", "entity_id")):
        if params.get(key) is not None:
            scope = scope[scope[column] == params[key]]
    breakdown = params["breakdown"]
    keep = ["entity_level", "entity_id", "pupils"] + [c for c in BREAKDOWN_COLUMNS.get(breakdown, ()) if c != "entity_id"]
    rows = rows.merge(scope[list(dict.fromkeys(keep))], on=["entity_level", "entity_id"], how="inner")
    if breakdown == "total":
        rows["group_id"], rows["group_label"] = "total", "Total"
    else:
        id_col, label_col = BREAKDOWN_COLUMNS[breakdown]
        rows["group_id"], rows["group_label"] = rows[id_col], rows[label_col]
        if breakdown == "degree":
            rows["group_id"] = rows["group_id"].astype("string")
            rows["group_label"] = rows["group_id"]
        rows = rows[rows["group_id"].notna()]
    rows["weighted"] = rows["value"] * rows["denominator"]
    grouped = rows.groupby(["snapshot_date", "indicator_id", "group_id"], as_index=False, sort=True).agg(
        group_label=("group_label", "first"), value_sum=("value", "sum"), denominator_sum=("denominator", "sum"),
        weighted_sum=("weighted", "sum"), reporting_entities=("value", "size"), reporting_pupils=("pupils", "sum"))
    rule = grouped["indicator_id"].map(rules)
    denominator = grouped["denominator_sum"].where(grouped["denominator_sum"] != 0)
    grouped["value"] = grouped["value_sum"]
    grouped.loc[rule == "ratio", "value"] = grouped["value_sum"] / denominator
    grouped.loc[rule == "weighted_mean", "value"] = grouped["weighted_sum"] / denominator
    return grouped


def pandas_measure(data_dir: Path, questions: list[dict], repeat: int) -> dict:
    """The roll-up questions DuckDB answered, asked of pandas (load and queries timed apart), checked against DuckDB."""
    from observatoire.model.catalog import load_catalog
    from observatoire.model.territory import load_territory
    from observatoire.settings import territory_folder
    from observatoire.storage.snapshots import list_snapshots

    indicators = load_catalog(load_territory(territory_folder(data_dir)).roadmap_file).indicators
    rules = {i.id: i.rollup for i in indicators}
    carried = frozenset(i.id for i in indicators if i.carries_forward)
    days = [s.snapshot_date for s in list_snapshots(data_dir)]
    started = time.perf_counter()
    facts, entities = load_pandas(data_dir)
    load_s = time.perf_counter() - started
    out = []
    for question in questions:
        params = from_json(question["params"])
        frame, times = warm_timings(lambda: pandas_indicator_values(facts, entities, rules, days, params, carried), repeat)
        total = float(frame["value_sum"].fillna(0).sum())
        expected = question.get("value_sum_total")
        agrees = expected is not None and abs(total - expected) <= 1e-6 * max(1.0, abs(expected))
        out.append({"label": question["label"], "rows": len(frame), "agrees_with_duckdb": bool(agrees)
                    and len(frame) == question["rows"], **summary(times)})
    return {"load_s": load_s, "fact_rows": len(facts), "queries": out, "peak_rss_bytes": peak_rss_bytes()}
