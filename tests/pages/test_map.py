"""The map component (decks asserted on their JSON), coverage numbers on hand-made data, the Carte page."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from components import maps
from observatoire.model.catalog import load_catalog
from observatoire.metrics.coverage import isolation_gap, query_params, service, services_for, with_shares
from observatoire.model.filters import Filters
from observatoire.storage.store import Store
from observatoire.model.territory import load_territory
from tests.support.factories import fact, make_data_dir, site

ROOT = Path(__file__).resolve().parents[2]
D1, D2 = date(2024, 11, 30), date(2024, 12, 31)


@pytest.fixture(scope="module")
def territory():
    return load_territory(ROOT / "data" / "territories" / "guyane")


@pytest.fixture
def hand_dir(tmp_path):
    """Six sites, ENT Wilapa users (2nd degree) and ÉduConnect accounts (all) at two snapshots.

    isolé : collège 1 (300 pupils, covered at D2 only), collège 2 (100, never), école 3 (50)
    urbain: collège 4 (600, covered both), lycée 5 (400, value 0 at D1 -> not covered, 12 at D2), école 6 (200)
    rural : école 7 (80) — no 2nd-degree site, so no rural row for ENT Wilapa.
    """
    sites = [
        site(1, "97357", "isole", "college", pupils=300, lat=3.64, lon=-54.03),
        site(2, "97353", "isole", "college", pupils=100, lat=3.64, lon=-54.03),
        site(3, "97352", "isole", "ecole", pupils=50, lat=3.61, lon=-53.20),
        site(4, "97302", "urbain", "college", pupils=600),
        site(5, "97302", "urbain", "lycee", pupils=400),
        site(6, "97307", "urbain", "ecole", pupils=200, lat=4.85, lon=-52.32),
        site(7, "97301", "rural", "ecole", pupils=80, lat=4.29, lon=-52.12),
        site(8, "97302", "urbain", "college", pupils=999, is_open=False),   # closed: never counted
    ]
    uai = {n: s["uai"] for n, s in zip(range(1, 9), sites)}
    facts = {
        D1: [fact("ent2d_utilisateurs", uai[4], 250), fact("ent2d_utilisateurs", uai[5], 0),
             fact("ent2d_utilisateurs", uai[8], 90), fact("educonnect_comptes_actives", uai[3], 10)],
        D2: [fact("ent2d_utilisateurs", uai[1], 40), fact("ent2d_utilisateurs", uai[4], 260),
             fact("ent2d_utilisateurs", uai[5], 12), fact("educonnect_comptes_actives", uai[6], 5)],
    }
    return make_data_dir(tmp_path / "data", sites, facts), uai


def _coverage(store, svc_id, breakdown="isolation", filters=Filters(), day_from=D1, day_to=D2):
    return with_shares(store.run("coverage_by_group", breakdown=breakdown, date_from=day_from, date_to=day_to,
                                 **query_params(service(svc_id), store.catalog), **filters.params()))


def test_services_are_site_indicators_of_the_roadmap(territory):
    store_catalog = load_catalog(territory.roadmap_file)
    chosen = services_for(store_catalog)
    assert [s.id for s in chosen][:5] == ["ent2d", "ent1d", "pix", "educonnect", "formation"]
    assert all(store_catalog.indicator(s.indicator_id).level == "site" for s in chosen)
    assert service("pix").degree(store_catalog) == 2 and service("educonnect").degree(store_catalog) is None


def test_coverage_by_isolation_hand_computed(hand_dir):
    data, _ = hand_dir
    store = Store(data)
    frame = _coverage(store, "ent2d").set_index(["snapshot_date", "group_id"])
    # D1: isolé 0 of 2 collèges; urbain: collège 4 covered, lycée 5 has 0 -> 1 of 2; closed site 8 ignored.
    assert frame.loc[(D1, "isole"), ["sites_total", "sites_covered", "pupils_total", "pupils_covered"]].tolist() == [2, 0, 400, 0]
    assert frame.loc[(D1, "urbain"), ["sites_total", "sites_covered", "pupils_total", "pupils_covered"]].tolist() == [2, 1, 1000, 600]
    assert frame.loc[(D1, "urbain"), "pupils_covered_share"] == pytest.approx(0.6)
    # D2: isolé 1 of 2 (300 of 400 pupils); urbain 2 of 2.
    assert frame.loc[(D2, "isole"), "sites_covered_share"] == pytest.approx(0.5)
    assert frame.loc[(D2, "isole"), "pupils_covered_share"] == pytest.approx(0.75)
    assert frame.loc[(D2, "urbain"), "sites_covered_share"] == pytest.approx(1.0)
    assert "rural" not in set(frame.index.get_level_values("group_id"))   # no collège or lycée there
    gap = isolation_gap(frame.reset_index())
    assert gap["gap"].tolist() == pytest.approx([0 - 0.5, 0.5 - 1.0])


def test_coverage_applies_filters_and_scope(hand_dir):
    data, _ = hand_dir
    store = Store(data)
    # ÉduConnect concerns every degree: 7 open sites in scope.
    everything = _coverage(store, "educonnect", breakdown="total", day_from=D2)
    assert everything[["sites_total", "sites_covered", "pupils_total", "pupils_covered"]].iloc[0].tolist() == [7, 1, 1730, 200]
    lycees = _coverage(store, "ent2d", breakdown="total", filters=Filters(site_type="lycee"), day_from=D2)
    assert lycees[["sites_total", "sites_covered"]].iloc[0].tolist() == [1, 1]
    one_commune = _coverage(store, "ent2d", breakdown="commune", filters=Filters(commune="97302"), day_from=D2)
    assert one_commune["group_id"].tolist() == ["97302"]
    assert one_commune[["sites_total", "sites_covered"]].iloc[0].tolist() == [2, 2]


def test_site_points_status(hand_dir):
    data, uai = hand_dir
    store = Store(data)
    points = store.run("site_points", snapshot_date=D1, **query_params(service("ent2d"), store.catalog),
                       **Filters().params()).set_index("uai")
    assert len(points) == 7                              # the closed site is not drawn
    assert points.loc[uai[4], "coverage_status"] == "covered"
    assert points.loc[uai[5], "coverage_status"] == "not_covered"      # value 0
    assert points.loc[uai[1], "coverage_status"] == "not_covered"      # no value yet
    assert points.loc[uai[3], "coverage_status"] == "not_applicable"   # an école for ENT Wilapa


def _deck(territory, store, day=D1, svc="ent2d", filters=Filters(), basemap=False):
    points = store.run("site_points", snapshot_date=day, **query_params(service(svc), store.catalog), **filters.params())
    frame = maps.site_frame(points, territory.isolation_labels, territory.isolation_colors, "Utilisateurs", "count")
    boundaries = maps.simplify_boundaries(territory.boundaries)
    values = pd.DataFrame({"group_id": ["97302", "97357"], "value": [1.0, 0.1]})
    bins = maps.color_bins(values["value"], "rate")
    view = maps.fit_view(maps.collection_bounds(boundaries))
    return maps.map_deck(boundaries, values, frame, bins, "Part couverte", "rate", view,
                         selected_commune=filters.commune, basemap=basemap), bins


def test_deck_layers_data_and_offline_default(territory, hand_dir):
    data, uai = hand_dir
    store = Store(data)
    deck, bins = _deck(territory, store)
    spec = json.loads(deck.to_json())
    assert spec["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in spec    # no basemap, no request
    assert "carto" not in deck.to_json().lower()
    communes, sites = spec["layers"]
    assert (communes["@@type"], communes["id"], communes["pickable"]) == ("GeoJsonLayer", "communes", True)
    assert (sites["@@type"], sites["id"], sites["pickable"]) == ("ScatterplotLayer", "sites", True)
    assert communes["lineWidthUnits"] == "pixels" and sites["radiusUnits"] == "pixels"   # literals, not expressions
    features = communes["data"]["features"]
    assert len(features) == 22
    by_code = {f["properties"]["insee"]: f["properties"] for f in features}
    assert by_code["97302"]["fill"][:3] == maps.rgba(bins[-1].color)[:3]     # 100 % -> darkest class
    assert by_code["97357"]["fill"][:3] == maps.rgba(bins[0].color)[:3]      # 10 % -> lightest class
    assert by_code["97352"]["fill"][:3] == maps.rgba(maps.NO_DATA_COLOR)[:3]
    assert "Cayenne (97302)" in by_code["97302"]["tip"] and "100,0" in by_code["97302"]["tip"]
    points = {p["uai"]: p for p in sites["data"]}
    assert len(points) == 7
    colours = territory.isolation_colors
    for number, iso in ((1, "isole"), (4, "urbain"), (7, "rural")):
        assert points[uai[number]]["fill"][:3] == maps.rgba(colours[iso])[:3]
    assert points[uai[4]]["line"][:3] == maps.rgba("#161616")[:3]            # covered: dark outline
    assert points[uai[4]]["line_width"] > points[uai[5]]["line_width"]
    assert points[uai[1]]["radius"] > points[uai[3]]["radius"]               # 300 pupils > 50 pupils
    # in screen pixels, so that size reads at the zoom that shows all Guyane (metres gave 3 px dots)
    assert points[uai[4]]["radius"] >= 2 * maps.RADIUS_MIN_PX > points[uai[3]]["radius"]
    # drawing order: urbain, rural, then the isolated sites on top
    order = [p["isolation"] for p in sites["data"]]
    assert order == sorted(order, key=["urbain", "rural", "isole"].index) and order[-1] == "isole"
    tip = points[uai[1]]["tip"]
    assert uai[1] in tip and "Isolé" in tip and "300 élèves" in tip and "Site test 1" in tip


def test_deck_basemap_only_when_asked(territory, hand_dir):
    data, _ = hand_dir
    deck, _ = _deck(territory, Store(data), basemap=True)
    spec = json.loads(deck.to_json())
    assert spec["mapProvider"] == "carto" and spec["mapStyle"] != "__MAP_STYLE__"


def test_initial_view_fits_guyane_including_trois_sauts(territory):
    light = maps.simplify_boundaries(territory.boundaries)
    west, south, east, north = maps.collection_bounds(light)
    assert south < 2.4 and north > 5.6                      # Trois-Sauts ~2.25° N, the coast ~5.7° N
    view = maps.fit_view((west, south, east, north))
    assert 6.0 <= view.zoom <= 7.2
    assert south < view.latitude < north and west < view.longitude < east
    # the payload stays small: every commune kept, well under the source size
    assert len(light["features"]) == 22
    assert len(json.dumps(light)) < 0.75 * len(json.dumps(territory.boundaries))


def test_color_bins_and_selection_parsing():
    rate_bins = maps.color_bins(pd.Series([0.1, 0.9]), "rate")
    assert [b.label for b in rate_bins][0] == "0\u202f% – 20\u202f%"
    assert maps.bin_color(0.95, rate_bins) == rate_bins[-1].color and maps.bin_color(float("nan"), rate_bins) == maps.NO_DATA_COLOR
    count_bins = maps.color_bins(pd.Series([3, 1234]), "count")
    assert count_bins[-1].upper >= 1234 and count_bins[0].label.startswith("0 – ")
    commune_click = {"selection": {"indices": {"communes": [3]},
                                   "objects": {"communes": [{"properties": {"insee": "97352", "name": "Saül"}}]}}}
    site_click = {"selection": {"indices": {"sites": [0]}, "objects": {"sites": [{"uai": "9730001A"}]}}}
    assert maps.clicked(commune_click) == ("commune", "97352")
    assert maps.clicked(site_click) == ("site", "9730001A")
    assert maps.clicked({"selection": {"indices": {}, "objects": {}}}) is None and maps.clicked(None) is None


def _spec(at):
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1
    return json.loads(decks[0].proto.json)


def _coverage_table(at) -> pd.DataFrame:
    return next(t.value for t in at.table if "Classe" in t.value.columns)


def test_page_renders_on_demo(app):
    at = app("carte.py")
    assert not at.exception
    spec = _spec(at)
    assert len(spec["layers"][0]["data"]["features"]) == 22
    assert len(spec["layers"][1]["data"]) == 234              # every open demo site
    assert spec["mapStyle"] == "__MAP_STYLE__"
    table = _coverage_table(at)  # an HTML table (st.table), whose headers wrap
    assert list(table["Classe"]) == ["Urbain", "Rural", "Isolé"]
    assert at.metric[0].label.startswith("Écart isolé – urbain")
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert len(charts) == 2                                     # coverage trend and gap
    assert all('"fit-x"' in c.proto.spec for c in charts)       # plot height kept under the legend
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("Image PNG") == 2 and labels.count("Image SVG") == 2   # every chart, offline


def test_page_with_filters_and_selected_commune(app):
    at = app("carte.py", degre="2", commune="97353")       # Maripasoula, 2nd degree
    assert not at.exception
    spec = _spec(at)
    points = spec["layers"][1]["data"]
    assert points and len(points) < 20
    maripasoula = next(f for f in spec["layers"][0]["data"]["features"] if f["properties"]["insee"] == "97353")
    assert maripasoula["properties"]["line_width"] == 3              # the selected commune is outlined
    assert "commune : Maripasoula" in at.caption[0].value


def test_page_hand_data_numbers_and_view_is_stable(app, hand_dir):
    data, _ = hand_dir
    at = app("carte.py", data_dir=data)
    assert not at.exception
    table = _coverage_table(at).set_index("Classe")
    assert table.loc["Isolé", "Couverts"] == "1 sur 2"
    assert table.loc["Isolé", "Part des élèves"] == "75,0\u202f%"
    assert table.loc["Urbain", "Part des établissements"] == "100,0\u202f%"
    assert at.metric[0].value == "−50,0 points"
    # The map's text alternative: each commune with sites of the service's scope, its rate and colour class.
    areas = next(t.value for t in at.table if "Classe de couleur" in t.value.columns)
    assert areas.to_dict("list") == {
        "Commune": ["Cayenne", "Grand-Santi", "Maripasoula"],
        "Établissements couverts (ENT Wilapa (collèges et lycées))": ["100,0\u202f%", "100,0\u202f%", "0,0\u202f%"],
        "Classe de couleur": ["80\u202f% – 100\u202f%", "80\u202f% – 100\u202f%", "0\u202f% – 20\u202f%"]}
    view = _spec(at)["initialViewState"]
    at.selectbox(key="carte_service").set_value("educonnect").run()
    assert not at.exception
    assert _spec(at)["initialViewState"] == view                   # reruns keep the same view
    assert len(_spec(at)["layers"][1]["data"]) == 7
