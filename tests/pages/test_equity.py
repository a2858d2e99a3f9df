"""Equity gap (isolated minus urban sites): numbers checked against hand arithmetic (tests/support/equity_data.py)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from components.equity_view import detail_chart
from observatoire.metrics import equity
from observatoire.model.filters import Filters
from observatoire.storage.store import Store
from tests.conftest import open_tab
from tests.support import equity_data as data


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return Store(data.build(tmp_path_factory.mktemp("equity")))


def by_isolation(store, ids, day=data.NOW):
    return store.run("indicator_values", indicator_ids=ids, breakdown="isolation", date_from=data.PREV,
                     date_to=day, **Filters().params())


def test_extreme_classes_come_from_the_territory_order(store):
    assert equity.extreme_classes(store.territory) == ("urbain", "isole")


def test_rate_gap_is_a_difference_of_ratios_of_sums_in_points(store):
    ind = store.catalog.indicator(data.RATE)
    series = equity.gap_series(ind, by_isolation(store, [data.RATE]), "urbain", "isole")
    now = series[series["snapshot_date"] == data.NOW].iloc[0]
    assert now["urban_value"] == pytest.approx(70 / 400)
    assert now["isolated_value"] == pytest.approx(90 / 300)
    assert now["gap"] == pytest.approx(0.125)
    prev = series[series["snapshot_date"] == data.PREV].iloc[0]
    assert prev["gap"] == pytest.approx(40 / 300 - 35 / 400)
    assert equity.format_gap(now["gap"], ind) == "+12,5 points"


def test_count_gap_is_per_pupil(store):
    ind = store.catalog.indicator(data.COUNT)
    series = equity.gap_series(ind, by_isolation(store, [data.COUNT]), "urbain", "isole")
    now = series[series["snapshot_date"] == data.NOW].iloc[0]
    assert now["urban_value"] == pytest.approx(80 / 400)
    assert now["isolated_value"] == pytest.approx(30 / 300)
    assert now["gap"] == pytest.approx(-0.1)
    assert equity.format_gap(now["gap"], ind) == "−100,0 pour\u202f1\u202f000 élèves".replace("pour\u202f", "pour ")
    assert equity.format_compared(now["urban_value"], ind) == "200,0 pour 1\u202f000 élèves"


def test_summary_sorts_by_relative_gap_and_tells_who_is_behind(store):
    inds = [store.catalog.indicator(i) for i in (data.RATE, data.COUNT)]
    summary = equity.gap_summary(inds, by_isolation(store, [data.RATE, data.COUNT]), data.NOW, "urbain", "isole")
    assert list(summary["indicator_id"]) == [data.RATE, data.COUNT]      # |0.125/0.175| > |−0.1/0.2|
    rate, count = summary.iloc[0], summary.iloc[1]
    assert rate["relative_gap"] == pytest.approx(0.125 / 0.175)
    assert not rate["behind"] and count["behind"]
    assert rate["gap_previous"] == pytest.approx(40 / 300 - 35 / 400)
    assert rate["gap_year_ago"] is None or pd.isna(rate["gap_year_ago"])
    assert rate["history"] == pytest.approx([40 / 300 - 35 / 400, 0.125])
    # At the earlier snapshot only that snapshot counts.
    before = equity.gap_summary(inds, by_isolation(store, [data.RATE, data.COUNT], data.PREV), data.PREV,
                                "urbain", "isole")
    assert before.set_index("indicator_id").loc[data.COUNT, "gap"] == pytest.approx(15 / 300 - 40 / 400)


def test_no_gap_when_a_class_is_missing_or_filtered_out(store):
    ind = store.catalog.indicator(data.RATE)
    labels = store.territory.isolation_labels
    assert "ne garde qu'une classe" in equity.gap_reason(ind, Filters(isolation="isole"), labels)
    assert equity.gap_reason(ind, Filters(circonscription="C01"), labels) is None
    only_urban = store.run("indicator_values", indicator_ids=[data.RATE], breakdown="isolation", date_from=data.PREV,
                           date_to=data.NOW, **Filters(circonscription="C01").params())
    assert equity.gap_series(ind, only_urban, "urbain", "isole").empty
    assert "pas mesuré par établissement" in equity.gap_reason(store.catalog.indicator("com_visites_site"), Filters(), labels)


def test_gap_sentence_in_french(store):
    ind = store.catalog.indicator(data.RATE)
    row = {"urban_value": 0.175, "isolated_value": 0.3, "gap": 0.125, "relative_gap": 0.125 / 0.175,
           "gap_year_ago": 0.2}
    text = equity.gap_sentence(ind, row, data.NOW, "Urbain", "Isolé")
    assert text.startswith("Au 28 février 2025, sites « Isolé » : 30,0\u202f% ; sites « Urbain » : 17,5\u202f%")
    assert "+12,5 points" in text and "+20,0 points un an plus tôt" in text and "se réduit" in text


def _gap_table(at):
    return next(t.value for t in at.table if "Écart relatif" in t.value.columns)


def test_axis_page_and_home_page_show_the_gap(app, tmp_path, store):
    root = data.build(tmp_path / "d")
    at = app("axe_3.py", data_dir=root)
    rows = _gap_table(at).set_index("Indicateur")
    rate, count = (store.catalog.indicator(i).label for i in (data.RATE, data.COUNT))
    assert list(rows.index) == [rate, count]
    # Each row says its unit once; the cells hold numbers only, so the table fits a 1 280 px screen.
    assert list(rows["Mesure"]) == ["taux en %, écart en points", "pour 1\u202f000 élèves"]
    assert rows.loc[rate, "Écart"] == "+12,5"
    assert rows.loc[rate, "Sites « Isolé »"] == "30,0\u202f%"
    assert rows.loc[rate, "Sites « Urbain »"] == "17,5\u202f%"
    assert rows.loc[rate, "Écart relatif"] == "71,4\u202f%"   # 12,5 points over 17,5 %
    assert rows.loc[count, "Écart"] == "−100,0"
    assert rows.loc[count, "Au détriment des sites « Isolé »"] == "oui"
    home = app(None, data_dir=root)
    assert list(_gap_table(home)["Écart"]) == ["+12,5", "−100,0"]


def test_gap_detail_chart_in_points(app, tmp_path, store):
    ind = store.catalog.indicator(data.RATE)
    series = equity.gap_series(ind, by_isolation(store, [data.RATE]), "urbain", "isole")
    spec = detail_chart(store.territory, ind, series).to_dict()
    values = [v for ds in spec["datasets"].values() for v in ds if "gap" in v]
    assert [round(v["gap"], 6) for v in values] == [round((40 / 300 - 35 / 400) * 100, 6), 12.5]
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    assert line["mark"]["color"] == store.territory.isolation_colors["isole"]
    assert spec["title"] == "Écart entre sites « Isolé » et « Urbain » à chaque instantané (points)"
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    # On the page: the sentence and the chart, once the indicator is chosen.
    at = app("axe_3.py", data_dir=data.build(tmp_path / "d"))
    at.selectbox(key="axe3-indicateur").set_value(data.RATE).run()
    open_tab(at, "axe3", "Écart Isolé / Urbain")
    titles = [json.loads(c.proto.spec).get("title") for c in at.get("vega_lite_chart")]
    assert spec["title"] in [t.get("text", t) if isinstance(t, dict) else t for t in titles]
    assert any("Écart : +12,5 points" in m.value for m in at.markdown)


def test_a_circonscription_without_isolated_sites_says_why_there_is_no_gap(app, tmp_path):
    """C01 (fixture site 1, urbain) has no isolated site: the page says so, not 'pas encore de donnée'."""
    at = app("axe_3.py", data_dir=data.build(tmp_path / "d"), circonscription="C01")
    at.selectbox(key="axe3-indicateur").set_value(data.RATE).run()
    open_tab(at, "axe3", "Écart Isolé / Urbain")
    infos = [i.value for i in at.info]
    sentence = "Sans objet : ce périmètre ne compte aucun site « Isolé », l'écart entre les deux classes ne s'y calcule pas."
    assert infos.count(sentence) == 2          # the gap tab of the detail and the axis's gap table
    assert not any("Pas encore de donnée pour les deux classes" in i for i in infos)
