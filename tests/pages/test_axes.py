"""Axis pages: every roadmap indicator on its page; numbers against hand arithmetic (tests/support/equity_data.py)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from components import axis_view, fiches, tables
from components.shell import page_path
from components.tables import export_frame
from observatoire.model.catalog import load_catalog
from observatoire.output.tables import to_csv_bytes
from tests.conftest import open_tab
from observatoire.metrics.fiche import selected_key, site_ranking
from observatoire.model.filters import Filters
from observatoire.settings import territory_folder
from observatoire.storage.store import Store
from observatoire.model.territory import load_territory
from pages.views import axe
from tests.support import equity_data as data

AXIS_PAGES = {1: "axe_1.py", 2: "axe_2.py", 3: "axe_3.py"}


def _catalog(demo_dir):
    return load_catalog(load_territory(territory_folder(demo_dir)).roadmap_file)


def _errors(at):
    return [e.value for e in at.exception] + [e.value for e in at.error]


def _frame(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


@pytest.mark.parametrize("number", [1, 2, 3])
def test_every_indicator_of_the_axis_is_on_its_page(app, demo_dir, number):
    catalog = _catalog(demo_dir)
    axis = next(a for a in catalog.axes if a.number == number)
    at = app(AXIS_PAGES[number])
    assert not _errors(at), _errors(at)
    assert at.title[0].value == f"Axe {number} — {axis.title}"
    shown = {m.value for m in at.markdown}
    indicators = catalog.indicators_of_axis(axis.id)
    for ind in indicators:
        assert f"**{ind.label}**" in shown, ind.id
        assert any(ind.wording in c.value for c in at.caption), ind.id
    # Every card has a value or says why not: the summary adds up, and each "avec une valeur" is a metric.
    summary = next(m.value for m in at.markdown if "indicateurs** de la feuille de route" in m.value)
    counts = [int(n) for n in re.findall(r"(\d+) (?:avec|sans|non)", summary)]
    assert summary.startswith(f"**{len(indicators)} indicateurs**") and sum(counts) == len(indicators)
    assert len([m for m in at.metric if m.label.startswith("Au ")]) == counts[0]
    for objective in catalog.objectives_of(axis.id):
        assert any(objective.title in e.label for e in at.expander), objective.id
    # Every chart keeps its plot height under Streamlit (autosize fit-x; else a bottom legend squeezes it).
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert charts and all(json.loads(c.proto.spec).get("autosize", {}).get("type") == "fit-x" for c in charts)


def test_all_indicators_are_spread_over_the_three_pages(demo_dir):
    catalog = _catalog(demo_dir)
    assert sum(len(catalog.indicators_of_axis(a.id)) for a in catalog.axes) == len(catalog.indicators) == 56 + 9  # roadmap entries + proposed


@pytest.fixture
def fixture_app(app, tmp_path):
    root = data.build(tmp_path / "d")
    return lambda page, **params: app(page, data_dir=root, **params)


def test_cards_are_ratios_of_sums_and_follow_the_circonscription(fixture_app):
    at = fixture_app("axe_3.py")
    metrics = [(m.value, m.proto.delta) for m in at.metric if m.label == "Au 28 février 2025"]
    # Roadmap order: student accounts (count), then the rate. 160/700, not the mean of the five rates (22 %).
    assert [value for value, _ in metrics] == ["110", "22,9\u202f%"]
    assert [delta.startswith(text) for (_, delta), text in zip(metrics, ["+55", "+12,1 points"])] == [True, True]
    c01 = fixture_app("axe_3.py", circonscription="C01")
    assert [m.value for m in c01.metric if m.label == "Au 28 février 2025"] == ["20", "10,0\u202f%"]


def test_breakdown_by_isolation_and_circonscription(fixture_app):
    at = fixture_app("axe_3.py")
    at.selectbox(key="axe3-indicateur").set_value(data.RATE).run()
    assert not [d for d in at.dataframe if "Classe d'isolement" in d.value.columns]   # a closed tab is not drawn
    open_tab(at, "axe3", "Ventilation")
    assert at.selectbox(key="axe3-ventilation").value == "isolation"
    table = _frame(at, "Classe d'isolement")
    rate = table.columns[1]
    assert list(table["Classe d'isolement"]) == ["Urbain", "Isolé"]
    assert list(table[rate]) == pytest.approx([70 / 400, 90 / 300])
    assert list(table.iloc[:, 2]) == [70, 90] and list(table.iloc[:, 3]) == [400, 300]
    at.selectbox(key="axe3-ventilation").set_value("circonscription").run()
    table = _frame(at, "Circonscription").set_index("Circonscription")
    assert table[rate].to_dict() == pytest.approx({"Cayenne 1": 0.1, "Cayenne 2": 0.2, "Grand-Santi": 0.3,
                                                   "Maripasoula-Papaïchton": 45 / 150})
    assert not _errors(at)


def test_breakdown_chart_keeps_the_isolation_colours(fixture_app, demo_dir):
    at = fixture_app("axe_3.py")
    at.selectbox(key="axe3-indicateur").set_value(data.RATE).run()
    open_tab(at, "axe3", "Ventilation")
    import json
    spec = next(json.loads(c.proto.spec) for c in at.get("vega_lite_chart")
                if "par classe d'isolement" in json.dumps(json.loads(c.proto.spec).get("title"), ensure_ascii=False))
    colors = load_territory(territory_folder(demo_dir)).isolation_colors
    assert spec["encoding"]["color"]["scale"] == {"domain": ["Urbain", "Isolé"],
                                                  "range": [colors["urbain"], colors["isole"]]}


def test_non_ventile_under_a_circonscription_filter(fixture_app):
    plain = fixture_app("axe_1.py")
    assert "4\u202f500\u202f€" in [m.value for m in plain.metric]            # subsidies 1 500 + 3 000
    assert "1\u202f234" in [m.value for m in plain.metric]                    # académie level
    at = fixture_app("axe_1.py", circonscription="C01")
    infos = [i.value for i in at.info]
    assert "4\u202f500\u202f€" not in [m.value for m in at.metric]
    assert "1\u202f234" not in [m.value for m in at.metric]
    assert sum(i.startswith("Non ventilé : cet indicateur est mesuré par commune") for i in infos) >= 4
    assert sum(i.startswith("Non ventilé : cet indicateur est mesuré pour l'ensemble de l'académie") for i in infos) >= 10
    # The detail of a commune-level indicator says it in its trend, breakdown and ranking tabs; a site-level
    # indicator's detail does not. (No axis-1 indicator has a number under C01 in the fixture: the detail
    # falls back to the first one.)
    assert at.selectbox(key="axe1-indicateur").value == "equipement_commandes"

    def non_ventile() -> list[int]:   # in each tab of the detail (with the cards' own)
        return [sum(i.value.startswith("Non ventilé") for i in open_tab(at, "axe1", tab).info)
                for tab in ("Évolution", "Ventilation", "Classement")]

    before = non_ventile()
    at.selectbox(key="axe1-indicateur").set_value("educonnect_comptes_actives").run()
    assert [b - a for b, a in zip(before, non_ventile())] == [1, 1, 1]


def test_detail_opens_on_the_first_indicator_with_a_number(fixture_app):
    # The fixture has no equipement_commandes: the detail starts on the subsidies, which have a value.
    assert fixture_app("axe_1.py").selectbox(key="axe1-indicateur").value == "equipement_subventions"


def test_inspector_link_opens_a_detail_with_numbers(app):
    # On the demo, the commune-level indicators that open axis 1 are "non ventilé" in a circonscription.
    at = app("axe_1.py", circonscription="C05")
    assert at.selectbox(key="axe1-indicateur").value == "educonnect_comptes_actives"
    assert not any(i.value.startswith("Non ventilé") for i in at.tabs[0].info)


def test_commune_ranking_and_academie_indicator_without_breakdown(fixture_app):
    at = fixture_app("axe_1.py")
    at.selectbox(key="axe1-indicateur").set_value("equipement_subventions").run()
    open_tab(at, "axe1", "Classement")
    ranking = _frame(at, "Code INSEE")
    assert list(ranking["Commune"]) == ["Maripasoula", "Cayenne"]
    assert list(ranking.iloc[:, -1]) == [3000, 1500]
    at.selectbox(key="axe1-indicateur").set_value("com_visites_site").run()
    assert any(i.value.startswith("Pas de classement") for i in at.info)
    assert any(i.value.startswith("Pas de ventilation") for i in open_tab(at, "axe1", "Ventilation").info)


def test_site_ranking_best_first_with_french_columns(fixture_app):
    at = fixture_app("axe_3.py")
    at.selectbox(key="axe3-indicateur").set_value(data.RATE).run()
    open_tab(at, "axe3", "Classement")
    ranking = _frame(at, "UAI")
    assert list(ranking["UAI"]) == [data.uai(n) for n in (5, 4, 2, 1, 3)]
    assert list(ranking["Rang"]) == [1, 2, 3, 4, 5]
    assert list(ranking["Classe d'isolement"]) == ["Isolé", "Isolé", "Urbain", "Urbain", "Isolé"]
    assert any("Données de démonstration" not in c.value and "Sélectionnez une ligne" in c.value for c in at.caption)


def test_a_long_ranking_draws_its_first_rows_and_downloads_all(fixture_app, monkeypatch):
    monkeypatch.setattr(tables, "SCREEN_ROWS", 3)
    at = fixture_app("axe_3.py")
    at.selectbox(key="axe3-indicateur").set_value(data.RATE).run()
    open_tab(at, "axe3", "Classement")
    ranking = _frame(at, "UAI")
    assert list(ranking["UAI"]) == [data.uai(n) for n in (5, 4, 2)]
    assert any("Les 3 premières lignes sont affichées" in c.value for c in at.caption)


def test_row_selection_opens_the_fiche_with_its_uai(monkeypatch):
    table = pd.DataFrame({"UAI": ["9730005A", "9730004B"], "Établissement": ["a", "b"]})
    calls = []
    monkeypatch.setattr(fiches.st, "switch_page", lambda page, query_params=None: calls.append((page, query_params)))
    fiches.open_fiche({"selection": {"rows": []}}, table, "UAI", "etablissement", "uai")
    assert calls == []
    fiches.open_fiche({"selection": {"rows": [1]}}, table, "UAI", "etablissement", "uai")
    assert calls == [(page_path("etablissement"), {"uai": "9730004B"})]
    fiches.open_fiche({"selection": {"rows": [0]}}, table, "UAI", "etablissement", "uai",
                         {"9730005A": "a — Cayenne (9730005A)"}.get)
    assert calls[-1] == (page_path("etablissement"), {"uai": "a — Cayenne (9730005A)"})
    assert selected_key(None, table, "UAI") is None
    assert selected_key({"selection": {"rows": [7]}}, table, "UAI") is None


def test_site_ranking_direction_down_puts_lowest_first(tmp_path):
    store = Store(data.build(tmp_path / "d"))
    rows = store.run("indicator_values", indicator_ids=[data.RATE], breakdown="site", date_from=data.NOW,
                     date_to=data.NOW, **Filters().params())
    directory = store.run("site_directory", uai=None)
    assert list(site_ranking(rows, directory, "down")["uai"][:2]) == [data.uai(1), data.uai(3)]


def test_breakdown_download_opens_in_french_excel(tmp_path):
    store = Store(data.build(tmp_path / "d"))
    ind = store.catalog.indicator(data.RATE)
    rows = store.run("indicator_values", indicator_ids=[data.RATE], breakdown="isolation", date_from=data.NOW,
                     date_to=data.NOW, **Filters().params())
    rows["group_label"] = rows["group_id"].map(store.territory.isolation_labels)
    table = axis_view.breakdown_table(ind, rows, "isolation")
    formats = {c: "int" for c in table.columns[2:]} | {ind.label: "pct"}
    csv = to_csv_bytes(export_frame(table, formats), ["Filtres : toute l'académie"])
    assert csv.startswith(b"\xef\xbb\xbf")
    text = csv.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "Filtres : toute l'académie"
    # The rate in percent as on screen (17,5 % and 30,0 %), its header says so; counts without ",0".
    assert lines[1].split(";")[:2] == ["Classe d'isolement", f"{ind.label} (%)"]
    assert "Urbain;17,5;70;400;" in text and "Isolé;30,0;90;300;" in text


def test_export_frame_writes_what_the_screen_shows():
    frame = pd.DataFrame({"Nom": ["École", "Collège"], "Taux": [0.0857142857, None], "Élèves": [222.0, 320.0],
                          "Score": [3.14159, 2.0], "Rang": [1, 2]})
    out = export_frame(frame, {"Taux": "pct", "Score": "dec2"})
    assert list(out.columns) == ["Nom", "Taux (%)", "Élèves", "Score", "Rang"]
    text = to_csv_bytes(out).decode("utf-8-sig")
    assert text.splitlines()[1:] == ["École;8,6;222;3,14;1", "Collège;;320;2,0;2"]


def _chart_values(chart):
    """Rows of the first layer's data (a DataFrame inside an Altair chart) as (date, value) pairs."""
    layers = getattr(chart, "layer", None) or [chart]
    data = layers[0].data
    return [(d.date() if hasattr(d, "date") else d, round(v, 4)) for d, v in zip(data["snapshot_date"], data["value"])]


def test_cached_trend_chart_follows_the_filters(tmp_path, monkeypatch):
    """The trend and breakdown charts are cached per data state: a filter must still give its own numbers."""
    root = data.build(tmp_path / "d")
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(root))
    from components.session import get_store

    state = get_store()
    everyone = axe.trend_figure(state, data.RATE, Filters(), False)
    c01 = axe.trend_figure(state, data.RATE, Filters(circonscription="C01"), False)
    assert _chart_values(everyone) == [(data.PREV, round(75 / 700, 4)), (data.NOW, round(160 / 700, 4))]
    assert _chart_values(c01) == [(data.PREV, 0.05), (data.NOW, 0.1)]
    assert axe.trend_figure(state, data.RATE, Filters(), False) is everyone   # built once
    bars = axe.breakdown_figure(state, data.RATE, Filters(), "isolation", data.NOW)
    assert dict(zip(bars.data["group_label"], bars.data["value"].round(4))) == {"Urbain": 0.175, "Isolé": 0.3}


def test_trend_chart_draws_the_academie_target_only_where_it_applies(tmp_path, monkeypatch):
    """A count's target is the académie's: not drawn over one circonscription's line; a rate's target is."""
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(data.build(tmp_path / "d")))
    from components.session import get_store

    store = get_store()

    def has_target(indicator_id, filters, by_class=False):
        spec = axe.trend_figure(store, indicator_id, filters, by_class).to_dict()
        return any("target" in json.dumps(layer.get("encoding", {})) for layer in spec.get("layer", []))

    assert store.catalog.indicator(data.COUNT).target("2024-2025") is not None
    assert has_target(data.COUNT, Filters())
    assert not has_target(data.COUNT, Filters(circonscription="C01"))
    assert not has_target(data.COUNT, Filters(), by_class=True)
    assert has_target(data.RATE, Filters(circonscription="C01"))
