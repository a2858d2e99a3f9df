"""The one territorial scope (queries/setup/create_scope_macro.sql), crossed with every scoped question.

For each filter field and each question that takes the scope, the filtered answer must be exactly the
unfiltered answer restricted to the entities inside the filter, the entities being matched here by their
attributes in pandas (not by the macro under test). A question that ignored a filter, or filtered on the
wrong column, returns rows of other entities and fails.
"""

from __future__ import annotations

import re
from dataclasses import fields

import pandas as pd
import pytest

from observatoire.demo import build_demo
from observatoire.model.filters import Filters
from observatoire.settings import QUERIES_DIR
from observatoire.storage.sql import load_query
from observatoire.storage.store import Store

# Filter field (a parameter of every scoped question) -> the entity column it restricts.
FIELD_COLUMN = {
    "commune": "commune_code",
    "zone": "zone_code",
    "isolation": "isolation",
    "circonscription": "circonscription_code",
    "bassin": "bassin_code",
    "degree": "degree",
    "site_type": "site_type",
    "academie": "academie_code",
    "uai": "entity_id",
}
# The académie filter needs a région académique of several académies: it is checked on the Hauts-de-France
# demo (three months, enough for every question); every other field on the Guyane demo.
SEVERAL_ACADEMIES = {"academie"}
OUTLIERS_LIMIT = 2000   # quality_outliers.sql lists at most this many rows
SCOPE_PARAMS = set(FIELD_COLUMN)


def _rows(frame: pd.DataFrame, columns: list[str]) -> set[tuple]:
    """The rows as a set, missing values as None (NaN is not equal to itself)."""
    return set(frame[columns].astype(object).where(frame[columns].notna(), None).itertuples(index=False, name=None))


# Question -> (its own parameters, the entity id column of its answer, the columns that identify a row).
# Each answer is keyed by entity, so "restricted to the entities in scope" is a filter on that column.
def _questions(store: Store) -> dict[str, tuple[dict, str, list[str]]]:
    dates = store.snapshot_dates
    last = dates[-1]
    ids = [i.id for i in store.catalog.indicators]
    service = "ent1d_comptes_eleves" if "ent1d_comptes_eleves" in ids else "ent_comptes_ouverts"
    return {
        "indicator_values": ({"indicator_ids": ids, "breakdown": "site", "date_from": dates[0], "date_to": last},
                             "group_id", ["snapshot_date", "indicator_id", "group_id", "value"]),
        "sites_in_scope": ({"min_pupils": None}, "uai", ["uai", "pupils"]),
        "site_points": ({"snapshot_date": last, "indicator_id": service, "threshold": 0,
                         "service_degree": None}, "uai", ["uai", "value", "coverage_status"]),
        "quality_missing_sites": ({"snapshot_date": last, "indicator_ids": []}, "uai", ["uai", "indicator_id"]),
        "quality_outliers": ({"snapshot_date": last, "factor": 3}, "entity_id", ["indicator_id", "entity_id", "reason"]),
    }


# Questions answering one row per entity, and those whose answer is an aggregate, checked against the
# in-scope sites counted here.
ROWS = ("indicator_values", "sites_in_scope", "site_points", "quality_missing_sites", "quality_outliers")
AGGREGATES = ("coverage_by_group", "quality_missing_by_area")


@pytest.fixture(scope="module")
def stores(demo_dir, tmp_path_factory):
    hdf = tmp_path_factory.mktemp("hdf-scope")
    build_demo(hdf, territory_name="hauts-de-france", months=3)
    out = {False: Store(demo_dir), True: Store(hdf)}
    yield out
    for store in out.values():
        store.close()


@pytest.fixture(scope="module")
def all_entities(stores) -> dict[bool, pd.DataFrame]:
    return {k: s.con.execute("select * from entities").df() for k, s in stores.items()}


@pytest.fixture(scope="module")
def all_open_sites(stores) -> dict[bool, pd.DataFrame]:
    return {k: s.con.execute("select uai from sites where is_open").df() for k, s in stores.items()}


@pytest.fixture
def store(stores, field):
    return stores[field in SEVERAL_ACADEMIES]


@pytest.fixture
def entities(all_entities, field):
    return all_entities[field in SEVERAL_ACADEMIES]


@pytest.fixture
def open_sites(all_open_sites, field):
    return all_open_sites[field in SEVERAL_ACADEMIES]


def _value_for(entities: pd.DataFrame, field: str):
    """A value of the field that keeps some entities and leaves others out (the commonest one)."""
    column = entities[FIELD_COLUMN[field]].dropna()
    if field == "uai":
        return entities.loc[entities["entity_level"] == "site", "entity_id"].iloc[0]
    value = column.value_counts().index[0]
    return int(value) if field == "degree" else value


def _in_scope(entities: pd.DataFrame, field: str, value) -> pd.DataFrame:
    return entities[entities[FIELD_COLUMN[field]] == value]


def _scope(field: str, value) -> dict:
    return {**{f: None for f in SCOPE_PARAMS}, field: value}


def test_every_filter_field_is_a_scope_argument():
    assert {f.name for f in fields(Filters)} | {"uai"} == SCOPE_PARAMS


def test_the_scope_predicate_is_written_once():
    """Only the macro filters entities on the scope; every question taking the scope calls the macro."""
    predicate = re.compile(r"e\.commune_code\s*=\s*\$?commune\b")
    holders = [p.relative_to(QUERIES_DIR).as_posix() for p in QUERIES_DIR.rglob("*.sql") if predicate.search(p.read_text())]
    assert holders == ["setup/create_scope_macro.sql"]
    scoped = [p.stem for p in QUERIES_DIR.glob("*.sql") if SCOPE_PARAMS <= load_query(p.stem).params]
    assert sorted(scoped) == sorted([*ROWS, *AGGREGATES])
    for name in scoped:
        assert "scoped_entities(" in load_query(name).sql, name
        assert not re.search(r"\b(from|join)\s+entities\b", load_query(name).sql), name


@pytest.mark.parametrize("field", sorted(FIELD_COLUMN))
@pytest.mark.parametrize("question", ROWS)
def test_scoped_question_answers_for_the_entities_in_scope_only(store, entities, field, question):
    params, id_column, key = _questions(store)[question]
    everything = store.run(question, **params, **_scope(field, None))
    # The commonest value among the entities this question has something to say about (outliers are few).
    answered = entities[entities["entity_id"].isin(everything[id_column])]
    value = _value_for(answered if answered[FIELD_COLUMN[field]].notna().any() else entities, field)
    if field == "uai":  # a school this question has something to say about
        sites = set(entities.loc[entities["entity_level"] == "site", "entity_id"])
        value = next(i for i in everything[id_column] if i in sites)
    kept = set(_in_scope(entities, field, value)["entity_id"])
    expected = everything[everything[id_column].isin(kept)]
    assert not expected.empty, f"{question}: no row for {field}={value} in the demo, the test would prove nothing"
    assert len(expected) < len(everything), f"{question}: {field}={value} leaves nothing out"
    answer = store.run(question, **params, **_scope(field, value))
    if question == "quality_outliers" and len(everything) >= OUTLIERS_LIMIT:   # the unfiltered list is cut
        assert len(answer) and answer[id_column].isin(kept).all()
        return
    assert _rows(answer, key) == _rows(expected, key)


@pytest.mark.parametrize("field", sorted(FIELD_COLUMN))
def test_coverage_counts_the_open_sites_in_scope(store, entities, open_sites, field):
    value = _value_for(entities, field)
    sites = _in_scope(entities, field, value)
    sites = sites[(sites["entity_level"] == "site") & sites["entity_id"].isin(open_sites["uai"])]
    day = store.snapshot_dates[-1]
    service = _questions(store)["site_points"][0]["indicator_id"]
    answer = store.run("coverage_by_group", date_from=day, date_to=day, indicator_id=service,
                       threshold=0, service_degree=None, breakdown="total", **_scope(field, value))
    assert answer["sites_total"].tolist() == [len(sites)]
    assert answer["pupils_total"].tolist() == [sites["pupils"].sum()]


@pytest.mark.parametrize("field", sorted(FIELD_COLUMN))
def test_completeness_areas_are_those_of_the_sites_in_scope(store, entities, open_sites, field):
    value = _value_for(entities, field)
    sites = _in_scope(entities, field, value)
    sites = sites[(sites["entity_level"] == "site") & sites["entity_id"].isin(open_sites["uai"])]
    areas = set(sites["circonscription_code"].fillna(sites["bassin_code"]).fillna("?"))
    answer = store.run("quality_missing_by_area", indicator_ids=[], **_scope(field, value))
    assert set(answer["area_code"]) == areas


def test_the_drill_path_goes_one_echelon_down():
    """région -> académie -> département / zone -> circonscription (1er degré) or bassin (2nd degré) -> commune."""
    from observatoire.model.filters import drill_down

    everything = ["academie", "isolation", "zone", "circonscription", "bassin", "commune", "site_type"]
    assert drill_down("academie", everything) == "zone"
    assert drill_down("zone", everything) == "circonscription"
    assert drill_down("zone", [b for b in everything if b != "circonscription"]) == "bassin"   # a 2nd-degree indicator
    assert drill_down("circonscription", everything) == drill_down("bassin", everything) == "commune"
    assert drill_down("isolation", everything) is None and drill_down("commune", everything) is None
