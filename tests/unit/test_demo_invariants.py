"""The demo tells one consistent story, checked over every indicator and every snapshot of both territories.

- a cumulative value never falls within a school year for an entity;
- ENT école accounts only in the experiment's schools, and every linked profile (demo.toml: requires,
  denominator_from, share_of, at_most) holds fact by fact: no usage rate without an account;
- a rate's numerator never exceeds its denominator;
- activity follows the school calendar: July and August are low.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from observatoire.demo import build_demo
from observatoire.demo.facts import load_profiles
from observatoire.model.catalog import load_catalog
from observatoire.model.dates import school_year
from observatoire.settings import BUNDLED_TERRITORIES
from observatoire.storage.snapshots import list_snapshots

TERRITORIES = ["guyane", "hauts-de-france"]


@pytest.fixture(scope="module", params=TERRITORIES)
def demo(request, tmp_path_factory):
    """(catalog, profiles, facts of every snapshot) of one territory's demo."""
    folder = BUNDLED_TERRITORIES / request.param
    path = tmp_path_factory.mktemp(request.param)
    build_demo(path, territory_name=request.param)
    frames = []
    for info in list_snapshots(path):
        frame = pq.read_table(info.path / "facts.parquet").to_pandas()
        frame["snapshot_date"] = info.snapshot_date
        frames.append(frame)
    facts = pd.concat(frames, ignore_index=True)
    facts["school_year"] = facts["snapshot_date"].map(school_year)
    facts["month"] = facts["snapshot_date"].map(lambda d: d.month)
    catalog = load_catalog(folder / "roadmap.toml")
    return catalog, load_profiles(folder / "demo.toml", catalog), facts


def _is_activity(ind, profile) -> bool:
    """An activity over a window (30-day users, usage rates): said by the roadmap or by the demo's season."""
    return ind.temporality == "activity" or (profile.season == "ent" and ind.temporality != "cumulative")


def test_every_indicator_has_facts(demo):
    catalog, _, facts = demo
    assert set(catalog.ids) <= set(facts["indicator_id"])


def test_cumulative_values_never_fall_within_a_school_year(demo):
    catalog, _, facts = demo
    cumulative = [i.id for i in catalog.indicators if i.temporality == "cumulative" and i.unit != "score"]
    assert len(cumulative) >= 8
    of = facts[facts["indicator_id"].isin(cumulative)].sort_values("snapshot_date")
    step = of.groupby(["indicator_id", "entity_id", "school_year"])["value"].diff()
    fallen = of[step < 0]
    assert fallen.empty, fallen.head(10).to_string()


def _linked(facts: pd.DataFrame, other: str) -> pd.DataFrame:
    return facts.loc[facts["indicator_id"] == other, ["snapshot_date", "entity_id", "value"]] \
        .rename(columns={"value": "linked"})


def test_every_linked_profile_holds_fact_by_fact(demo):
    catalog, profiles, facts = demo
    checked = 0
    for ind in catalog.indicators:
        profile = profiles[ind.id]
        of = facts[facts["indicator_id"] == ind.id]
        for other in profile.links:
            both = of.merge(_linked(facts, other), on=["snapshot_date", "entity_id"], how="left")
            if other in (profile.requires, profile.denominator_from):
                assert (both["linked"] > 0).all(), f"{ind.id}: a fact where {other} is absent or 0"
            if other == profile.denominator_from:
                assert np.array_equal(both["denominator"], both["linked"]), f"{ind.id}: denominator is not {other}"
            if other == profile.share_of:
                assert np.array_equal(both["value"], np.round(profile.share * both["linked"])), ind.id
            if other == profile.at_most:
                assert (both["value"] <= both["linked"].fillna(np.inf)).all(), f"{ind.id} above {other}"
            checked += 1
    assert checked >= 1


def test_a_usage_rate_only_where_its_accounts_exist(demo):
    """Every rate over accounts (its denominator label says « compte ») takes them from the account count."""
    catalog, profiles, facts = demo
    over_accounts = [i for i in catalog.indicators if i.unit == "rate" and "compte" in i.denominator_label]
    assert over_accounts
    for ind in over_accounts:
        assert profiles[ind.id].denominator_from or profiles[ind.id].requires, ind.id


def test_ent_ecole_accounts_only_in_the_experiment_schools(demo):
    catalog, _, facts = demo
    if "ent1d_ecoles_recensees" not in catalog.ids:
        pytest.skip("no ENT école experiment in this territory")
    schools = facts[(facts["indicator_id"] == "ent1d_ecoles_recensees") & (facts["value"] > 0)]
    for ind_id in ("ent1d_comptes_eleves", "ent1d_taux_usages", "ent1d_enseignants_formes"):
        of = facts[facts["indicator_id"] == ind_id]
        inside = of.merge(schools[["snapshot_date", "entity_id"]], on=["snapshot_date", "entity_id"])
        assert len(of) and len(inside) == len(of), f"{ind_id}: {len(of) - len(inside)} facts outside the experiment"
    # At the last snapshot, schools with accounts are no more than the experiment's schools.
    last = facts["snapshot_date"].max()
    accounts = facts[(facts["indicator_id"] == "ent1d_comptes_eleves") & (facts["snapshot_date"] == last)
                     & (facts["value"] > 0)]
    assert accounts["entity_id"].nunique() <= schools[schools["snapshot_date"] == last]["entity_id"].nunique()


def test_a_rate_never_exceeds_its_denominator(demo):
    catalog, _, facts = demo
    rates = facts[facts["indicator_id"].isin([i.id for i in catalog.indicators if i.unit == "rate"])]
    assert len(rates) and (rates["denominator"] > 0).all() and (rates["value"] <= rates["denominator"]).all()


def test_activity_is_low_in_july_and_august(demo):
    catalog, profiles, facts = demo
    activity = [i for i in catalog.indicators if _is_activity(i, profiles[i.id])]
    assert any(i.unit == "rate" for i in activity)
    named = {"ent2d_utilisateurs", "ent2d_taux_utilisation", "ent1d_taux_usages", "gar_ressources_utilisees"}
    assert named & set(catalog.ids) <= {i.id for i in activity}
    for ind in activity:
        of = facts[facts["indicator_id"] == ind.id]
        by_month = of.groupby(["school_year", "month"])[["value", "denominator"]].sum()
        level = by_month["value"] / by_month["denominator"] if ind.unit == "rate" else by_month["value"]
        for year in of["school_year"].unique():
            months = level.loc[year]
            if not {6, 7, 8} <= set(months.index):
                continue
            school = months.drop([7, 8]).mean()
            assert months[7] < 0.6 * school and months[8] < 0.6 * school, (ind.id, year, months.to_dict())


def test_cumulative_activity_grows_little_in_the_summer(demo):
    """A cumulative count of activity (ENT visits) gains less in July and August together than in June."""
    catalog, profiles, facts = demo
    seasonal = [i for i in catalog.indicators if i.temporality == "cumulative" and profiles[i.id].season == "ent"]
    assert seasonal
    for ind in seasonal:
        of = facts[facts["indicator_id"] == ind.id]
        wide = of.pivot_table(index="entity_id", columns="snapshot_date", values="value")
        for year in of["school_year"].unique():
            days = {d.month: d for d in wide.columns if school_year(d) == year}
            if not {5, 6, 8} <= set(days):
                continue
            rows = wide[[days[5], days[6], days[8]]].dropna()
            june = (rows[days[6]] - rows[days[5]]).sum()
            summer = (rows[days[8]] - rows[days[6]]).sum()
            assert summer < june, (ind.id, year, summer, june)
