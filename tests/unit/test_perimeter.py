"""The person's perimeter, crossed with every question the store answers (as test_scope.py does for filters).

Each scoped question asked inside a perimeter must answer exactly its unrestricted answer restricted to the
entities inside the perimeter, those being matched here in pandas (not by the macro under test). Questions
that answer per entity without the scope macro (site_directory, filter_options) obey it too; a question
that cannot take the perimeter is refused to a restricted one; the lecteur gets no per-school row.
"""

from __future__ import annotations

import pandas as pd
import pytest

from observatoire.access.perimeter import PER_SITE, PERIMETER_FREE, PERIMETER_PARAMS, Perimeter
from observatoire.errors import AccessDenied
from observatoire.settings import QUERIES_DIR
from observatoire.storage.sql import load_query
from observatoire.storage.store import Store
from tests.unit.test_scope import AGGREGATES, ROWS, SCOPE_PARAMS, _questions, _rows


@pytest.fixture(scope="module")
def store(demo_dir):
    store = Store(demo_dir)
    yield store
    store.close()


@pytest.fixture(scope="module")
def entities(store) -> pd.DataFrame:
    return store.con.execute("select * from entities").df()



def _perimeters(entities: pd.DataFrame) -> dict[str, tuple[Perimeter, pd.Series]]:
    """Perimeter kind -> (a perimeter keeping some entities and not others, the mask of those it keeps)."""
    sites = entities[entities["entity_level"] == "site"]
    circonscriptions = sorted(sites["circonscription_code"].dropna().unique())[:2]
    uais = sorted(sites["entity_id"])[::7]
    return {
        "circonscriptions": (Perimeter.of(circonscriptions=circonscriptions),
                             entities["circonscription_code"].isin(circonscriptions)),
        "uais": (Perimeter.of(uais=uais), entities["entity_id"].isin(uais) & (entities["entity_level"] == "site")),
        "one_school": (Perimeter.of(uais=[uais[0]]), entities["entity_id"] == uais[0]),
        "departement_elsewhere": (Perimeter.of(departements=["971"]), entities["entity_id"] != entities["entity_id"]),
        "circonscription_and_school": (Perimeter.of(circonscriptions=circonscriptions[:1], uais=uais),
                                       entities["circonscription_code"].isin(circonscriptions[:1])
                                       & entities["entity_id"].isin(uais) & (entities["entity_level"] == "site")),
    }


def _no_filter() -> dict:
    return {f: None for f in SCOPE_PARAMS}


def test_every_question_takes_the_perimeter_or_is_declared_free_of_it():
    for path in sorted(QUERIES_DIR.glob("*.sql")):
        params = load_query(path.stem).params
        takes = set(PERIMETER_PARAMS) <= params
        assert takes or path.stem in PERIMETER_FREE or path.stem in PER_SITE, path.stem
        assert not (set(PERIMETER_PARAMS) & params) or takes, f"{path.stem}: takes part of the perimeter only"
        if takes:  # through the one scope definition, with every perimeter argument
            assert "scoped_entities(" in load_query(path.stem).sql, path.stem


@pytest.mark.parametrize("kind", ["circonscriptions", "uais", "one_school", "departement_elsewhere",
                                  "circonscription_and_school"])
@pytest.mark.parametrize("question", ROWS)
def test_scoped_question_answers_inside_the_perimeter_only(store, entities, kind, question):
    params, id_column, key = _questions(store)[question]
    perimeter, mask = _perimeters(entities)[kind]
    everything = store.run(question, **params, **_no_filter())
    kept = set(entities.loc[mask, "entity_id"])
    expected = everything[everything[id_column].isin(kept)]
    assert len(expected) < len(everything), f"{question}: the perimeter {kind} leaves nothing out"
    answer = store.run(question, perimeter=perimeter, **params, **_no_filter())
    assert _rows(answer, key) == _rows(expected, key)
    assert _rows(store.scoped(perimeter).run(question, **params, **_no_filter()), key) == _rows(expected, key)


@pytest.mark.parametrize("kind", ["circonscriptions", "uais", "departement_elsewhere"])
def test_aggregates_count_the_sites_inside_the_perimeter(store, entities, kind):
    perimeter, mask = _perimeters(entities)[kind]
    open_sites = set(store.con.execute("select uai from sites where is_open").df()["uai"])
    sites = entities[mask & (entities["entity_level"] == "site") & entities["entity_id"].isin(open_sites)]
    day = store.snapshot_dates[-1]
    answer = store.run("coverage_by_group", perimeter=perimeter, date_from=day, date_to=day,
                       indicator_id="ent1d_comptes_eleves", threshold=0, service_degree=None, breakdown="total",
                       **_no_filter())
    assert answer["sites_total"].tolist() == ([len(sites)] if len(sites) else [])
    areas = store.run("quality_missing_by_area", perimeter=perimeter, indicator_ids=[], **_no_filter())
    assert set(areas["area_code"]) == set(sites["circonscription_code"].fillna(sites["bassin_code"]).fillna("?"))


@pytest.mark.parametrize("kind", ["circonscriptions", "uais", "departement_elsewhere"])
def test_site_directory_and_filter_options_obey_the_perimeter(store, entities, kind):
    perimeter, mask = _perimeters(entities)[kind]
    sites = entities[mask & (entities["entity_level"] == "site")]
    directory = store.run("site_directory", perimeter=perimeter, uai=None)
    assert set(directory["uai"]) == set(sites["entity_id"])
    outside = entities.loc[~mask & (entities["entity_level"] == "site"), "entity_id"].iloc[0]
    assert store.run("site_directory", perimeter=perimeter, uai=outside).empty
    options = store.run("filter_options", perimeter=perimeter)
    offered = {f: set(g["code"]) for f, g in options.groupby("filter")}
    assert offered.get("circonscription", set()) == set(sites["circonscription_code"].dropna())
    assert offered.get("commune", set()) == set(sites["commune_code"].dropna())
    assert offered.get("bassin", set()) == set(sites["bassin_code"].dropna())


def test_an_unrestricted_perimeter_changes_no_answer(store):
    assert store.scoped(Perimeter()) is store
    assert store.run("filter_options").equals(store.run("filter_options", perimeter=Perimeter()))
    assert len(store.run("site_directory", uai=None, perimeter=Perimeter.of(departements=["973"]))) == \
        len(store.run("site_directory", uai=None))


def test_a_departement_keeps_its_communes_and_the_academie_when_it_is_all_of_it(store):
    everything = _questions(store)["indicator_values"][0] | {"breakdown": "total"}
    whole = store.run("indicator_values", **everything, **_no_filter())
    same = store.run("indicator_values", perimeter=Perimeter.of(departements=["973"]), **everything, **_no_filter())
    assert _rows(same, ["snapshot_date", "indicator_id", "value"]) == _rows(whole, ["snapshot_date", "indicator_id", "value"])


def test_questions_without_the_perimeter_are_refused_to_a_restricted_one(store):
    perimeter = Perimeter.of(circonscriptions=["C01"])
    with pytest.raises(AccessDenied, match="réservée à la DRANE"):
        store.run("orphan_facts", perimeter=perimeter)
    for name in PERIMETER_FREE:
        params = {"snapshot_date": store.snapshot_dates[-1]} if "snapshot_date" in load_query(name).params else {}
        store.run(name, perimeter=perimeter, **params)
    with pytest.raises(AccessDenied):
        store.run("site_directory", uai=None, perimeter_uais=["X"])
    with pytest.raises(AccessDenied):
        _ = store.scoped(perimeter).con


def test_the_lecteur_gets_aggregates_and_no_school(store):
    reader = Perimeter.of(aggregates_only=True)
    params = _questions(store)["indicator_values"][0]
    for name in sorted(PER_SITE):
        query_params = {**_questions(store).get(name, ({}, None, None))[0]}
        if SCOPE_PARAMS <= load_query(name).params:
            query_params.update(_no_filter())
        with pytest.raises(AccessDenied, match="lecteur"):
            store.run(name, perimeter=reader, **query_params)
    with pytest.raises(AccessDenied, match="lecteur"):
        store.run("indicator_values", perimeter=reader, **params, **_no_filter())  # breakdown: site
    total = store.run("indicator_values", perimeter=reader, **(params | {"breakdown": "circonscription"}), **_no_filter())
    assert not total.empty
    with pytest.raises(AccessDenied, match="lecteur"):
        store.run("indicator_values", perimeter=reader, **(params | {"breakdown": "total"}),
                  **(_no_filter() | {"uai": total.iloc[0]["group_id"]}))


def test_perimeter_keys_tell_perimeters_apart():
    keys = {Perimeter().key(), Perimeter.of(circonscriptions=["C01"]).key(), Perimeter.of(uais=["c01"]).key(),
            Perimeter.of(aggregates_only=True).key(), Perimeter.of(departements=["973"]).key()}
    assert len(keys) == 5
    assert Perimeter.of(uais=["9730001a"]).uais == ("9730001A",)


def test_aggregate_questions_are_listed(store):
    assert set(AGGREGATES).isdisjoint(PER_SITE)


def test_an_academie_wide_count_target_does_not_apply_inside_a_narrower_perimeter(store, entities):
    """An IEN's totals are their circonscription's: the académie's count target is not theirs; a rate's still is."""
    from observatoire.metrics.figures import figure_records
    from observatoire.model.filters import Filters

    day = store.snapshot_dates[-1]
    circonscription = sorted(entities["circonscription_code"].dropna().unique())[0]
    whole = {r["indicator_id"]: r for r in figure_records(store, day, Filters())}
    inside = {r["indicator_id"]: r for r in figure_records(store.scoped(Perimeter.of(circonscriptions=[circonscription])),
                                                             day, Filters())}
    counts = [i.id for i in store.catalog.indicators if i.unit == "count" and i.level == "site" and i.targets
              and whole[i.id]["target"] is not None]
    rates = [i.id for i in store.catalog.indicators if i.unit == "rate" and i.level == "site" and i.targets
             and whole[i.id]["target"] is not None]
    assert counts and rates
    assert all(inside[i]["target"] is None for i in counts)
    assert all(inside[i]["target"] == whole[i]["target"] for i in rates)
