"""The explorer's roll-ups against hand-computed values; the explorer and the SQL console rendered (AppTest)."""

from __future__ import annotations

import pandas as pd
import pytest

from observatoire.model.filters import BREAKDOWNS, Filters
from observatoire.metrics.pivot import (count_by_value, explore, filter_by_value, period_bounds, rollup_sites,
                                wide_table)
from observatoire.storage.store import Store
from tests.support import maroni_fixture as mf

MARONI_ECOLES = Filters(zone="haut-maroni", site_type="ecole")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return mf.build(tmp_path_factory.mktemp("maroni"))


@pytest.fixture(scope="module")
def store(data):
    store = Store(data)
    yield store
    store.close()


def indicators(store, *ids):
    return [store.catalog.indicator(i) for i in ids]


def by_group(values, indicator_id, day):
    rows = values[(values["indicator_id"] == indicator_id) & (values["snapshot_date"] == day)]
    return dict(zip(rows["group_id"], rows["value"]))


def test_example_question_without_sql(store):
    """Écoles of the Haut-Maroni with more than 100 pupils, no ENT account activated: sites 3 and 4."""
    result = explore(store.run, indicators(store, mf.COMPTES), MARONI_ECOLES, "site", mf.JANUARY, mf.JANUARY, 100)
    assert result.left_out == {}
    counts = count_by_value(result.values)
    assert counts[["sites", "missing", "present"]].values.tolist() == [[5, 2, 3]]
    missing = filter_by_value(result.values, "missing")
    assert sorted(missing["group_id"]) == [mf.uai(3), mf.uai(4)]
    assert missing["value"].isna().tolist() == [True, False]  # site 3 sent nothing, site 4 sent 0
    assert sorted(filter_by_value(result.values, "present")["group_id"]) == [mf.uai(1), mf.uai(5), mf.uai(8)]


def test_sum_and_ratio_by_isolation(store):
    result = explore(store.run, indicators(store, mf.COMPTES, mf.TAUX), MARONI_ECOLES, "isolation",
                     mf.OCTOBER, mf.JANUARY)
    values = result.values
    assert by_group(values, mf.COMPTES, mf.OCTOBER) == {"isole": 20, "rural": 30}
    assert by_group(values, mf.COMPTES, mf.JANUARY) == {"isole": 50, "rural": 60}  # 40+0+0+10 ; 60
    taux = by_group(values, mf.TAUX, mf.JANUARY)
    assert taux["isole"] == pytest.approx(15 / 50)  # (10+5)/(40+10), not the mean of 25 % and 50 %
    assert taux["rural"] == pytest.approx(0.5)


def test_pupil_threshold_rolls_up_by_the_same_rules(store):
    total = explore(store.run, indicators(store, mf.COMPTES, mf.TAUX), MARONI_ECOLES, "total",
                    mf.JANUARY, mf.JANUARY, min_pupils=200)
    assert by_group(total.values, mf.COMPTES, mf.JANUARY) == {"total": 100}  # sites 1 and 5: 40+60
    assert by_group(total.values, mf.TAUX, mf.JANUARY)["total"] == pytest.approx(40 / 100)
    communes = explore(store.run, indicators(store, mf.COMPTES), MARONI_ECOLES, "commune",
                       mf.JANUARY, mf.JANUARY, min_pupils=100)
    assert by_group(communes.values, mf.COMPTES, mf.JANUARY) == {"97353": 40, "97357": 10, "97362": 0, "97360": 60}
    plain = explore(store.run, indicators(store, mf.COMPTES), MARONI_ECOLES, "commune", mf.JANUARY, mf.JANUARY)
    assert by_group(plain.values, mf.COMPTES, mf.JANUARY)["97353"] == 40  # site 2 (80 pupils) reported 0


def test_threshold_on_a_commune_indicator_is_refused_with_a_reason(store):
    result = explore(store.run, indicators(store, "equipement_commandes", mf.COMPTES), Filters(), "total",
                     mf.JANUARY, mf.JANUARY, min_pupils=100)
    assert result.left_out["equipement_commandes"].startswith("Non ventilé")
    assert set(result.values["indicator_id"]) == {mf.COMPTES}


def test_breakdown_an_indicator_cannot_take_is_left_out(store):
    result = explore(store.run, indicators(store, "equipement_commandes"), Filters(), "site", mf.JANUARY, mf.JANUARY)
    assert "établissement" in result.left_out["equipement_commandes"]


def test_wide_table_one_column_per_indicator(store):
    chosen = indicators(store, mf.COMPTES, mf.TAUX)
    result = explore(store.run, chosen, MARONI_ECOLES, "site", mf.JANUARY, mf.JANUARY, 100)
    table = wide_table(result.values, chosen, "site", with_sites=True)
    assert list(table.columns) == ["Instantané", "Code", "Établissement", "Commune", "Élèves",
                                   chosen[0].label, chosen[1].label]
    row = table[table["Code"] == mf.uai(1)].iloc[0]
    assert (row["Élèves"], row[chosen[0].label], row[chosen[1].label]) == (250, 40, 0.25)
    assert len(table) == 5


def test_period_bounds():
    dates = [mf.OCTOBER, mf.JANUARY]
    assert period_bounds("snapshot", dates, mf.OCTOBER) == (mf.OCTOBER, mf.OCTOBER)
    assert period_bounds("all", dates, mf.OCTOBER) == (mf.OCTOBER, mf.JANUARY)
    assert period_bounds("range", dates, None, mf.JANUARY, mf.OCTOBER) == (mf.OCTOBER, mf.JANUARY)


# Not by académie: the Guyane demo has one académie, and Guyane offers no such breakdown.
@pytest.mark.parametrize("breakdown", [b for b in BREAKDOWNS if b not in ("site", "academie")])
def test_pandas_rollup_agrees_with_the_sql_rollup(demo_dir, breakdown):
    """The threshold path (site rows rolled up here) gives the SQL's numbers when every site is kept."""
    store = Store(demo_dir)
    try:
        site_level = [i for i in store.catalog.indicators if i.level == "site"]
        ids = [i.id for i in site_level]
        dates = store.snapshot_dates
        params = dict(Filters().params(), date_from=dates[0], date_to=dates[-1], indicator_ids=ids)
        sql = store.run("indicator_values", breakdown=breakdown, **params)
        per_site = store.run("indicator_values", breakdown="site", **params)
        sites = store.run("sites_in_scope", min_pupils=None, **Filters().params())
        mine = rollup_sites(per_site, sites, {i.id: i.rollup for i in site_level}, breakdown,
                            {i.id: i.scope for i in site_level})
    finally:
        store.close()
    keys = ["snapshot_date", "indicator_id", "group_id"]
    sql = sql.sort_values(keys).reset_index(drop=True)
    mine = mine.sort_values(keys).reset_index(drop=True)
    assert len(sql) == len(mine) > 0
    assert sql[keys].astype(str).equals(mine[keys].astype(str))
    pd.testing.assert_series_equal(sql["value"], mine["value"], check_dtype=False, rtol=1e-9)
    assert sql["reporting_entities"].tolist() == mine["reporting_entities"].tolist()
    assert sql["carried_forward"].tolist() == mine["carried_forward"].tolist()
    assert sql["expected_entities"].tolist() == mine["expected_entities"].tolist()


# --- pages (AppTest) ---------------------------------------------------------------------------------

EXAMPLE_LINK = dict(zone="haut-maroni", type="ecole", date="2025-01-31", ventilation="site", eleves="100",
                    valeurs="missing")


def _errors(at):
    return [e.value for e in at.exception] + [e.value for e in at.error]


@pytest.mark.parametrize("link", [
    dict(EXAMPLE_LINK, indicateurs=mf.COMPTES),  # codes, as a hand-written link would carry them
    dict(EXAMPLE_LINK, indicateurs="Comptes élèves activés (ENT école)", ventilation="Établissement",
         valeurs="Sans valeur ou valeur nulle", type="École", zone="Haut-Maroni", date="31 janvier 2025"),  # labels
], ids=["codes", "labels"])
def test_explorer_link_reopens_the_example_view(app, data, link):
    at = app("explorer.py", data_dir=data, **link)
    assert not _errors(at), _errors(at)
    assert at.multiselect(key="indicateurs").value == [mf.COMPTES]
    assert at.selectbox(key="ventilation").value == "site"
    assert at.number_input(key="eleves").value == 100
    assert any(m.value.startswith("**2 établissements sur 5**") for m in at.markdown)
    table = at.dataframe[0].value
    assert sorted(table["Code"]) == [mf.uai(3), mf.uai(4)]
    at.run()  # a rerun keeps the view
    assert sorted(at.dataframe[0].value["Code"]) == [mf.uai(3), mf.uai(4)]


@pytest.mark.parametrize("vue", ["bars", "lines", "heatmap"])
def test_explorer_charts(app, data, vue):
    at = app("explorer.py", data_dir=data, indicateurs=mf.TAUX, ventilation="isolation", periode="all", vue=vue)
    assert not _errors(at), _errors(at)
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    assert "Taux d'usage" in charts[0].proto.spec


def test_explorer_range_and_downloads(app, data):
    at = app("explorer.py", data_dir=data, indicateurs=mf.COMPTES, ventilation="isolation", periode="range",
             du="2024-10-31", au="2025-01-31", zone="haut-maroni")
    assert not _errors(at), _errors(at)
    table = at.dataframe[0].value
    assert len(table) == 4  # 2 snapshots x (isolé, rural)
    assert sorted(table[store_label := "Comptes élèves activés (ENT école)"].tolist()) == [20, 30, 50, 60], store_label
    assert len(at.get("download_button")) == 2


def test_console_runs_an_example(app, data):
    at = app("sql.py", data_dir=data)
    assert not _errors(at), _errors(at)
    at.selectbox(key="sql-exemple").select_index(1).run()
    assert "haut-maroni" in at.text_area(key="sql-requete").value
    at.button(key="sql-executer").click().run()
    assert not _errors(at), _errors(at)
    result = at.dataframe[-1].value
    assert sorted(result["uai"]) == [mf.uai(3), mf.uai(4)]


def test_console_shows_the_refusal_reason(app, data):
    at = app("sql.py", data_dir=data)
    at.text_area(key="sql-requete").input("select * from read_csv('/etc/passwd')").run()
    at.button(key="sql-executer").click().run()
    assert [e.value for e in at.error] == [
        "Requête refusée : Accès refusé : read_csv() lit des fichiers ; la console ne lit que les vues documentées."]
    at.text_area(key="sql-requete").input("drop view facts").run()
    at.button(key="sql-executer").click().run()
    assert at.error[0].value.startswith("Requête refusée : DROP est interdit")
