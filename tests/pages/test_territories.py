"""Every bundled territory works from its files alone: Hauts-de-France next to Guyane.

The Hauts-de-France demo (≈ 7 000 sites, 24 snapshots) is built once per session; every page of the menu is
rendered on it and on the Guyane demo; the roadmap keeps the reference text's wording; no code names Guyane.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from components.shell import VIEWS, menu
from observatoire.model.catalog import load_catalog
from observatoire.demo import build_demo
from observatoire.demo.sites import build_sites
from observatoire.errors import ValidationError
from observatoire.model.filters import Filters
from observatoire.settings import BUNDLED_TERRITORIES, territory_folder
from observatoire.storage.store import Store
from observatoire.model.territory import load_territory
from observatoire.model.uai import is_valid_uai

ROOT = Path(__file__).resolve().parents[2]
HDF = BUNDLED_TERRITORIES / "hauts-de-france"
REFERENCE = Path(__file__).resolve().parents[1] / "support" / "fixtures" / "feuille-de-route-hauts-de-france-2023.md"
AXES = [
    "Un écosystème engagé au service d'une politique publique partagée",
    "Un enseignement du numérique qui développe la citoyenneté et les compétences numériques",
    "Une communauté éducative soutenue par une offre numérique raisonnée, pérenne et inclusive",
    "De nouvelles règles du jeu pour un système d'information ministériel au service de ses utilisateurs",
]


@pytest.fixture(scope="session")
def hdf_dir(tmp_path_factory) -> Path:
    """The Hauts-de-France demo data, generated once per test session (a few seconds)."""
    path = tmp_path_factory.mktemp("hdf")
    build_demo(path, territory_name="hauts-de-france")
    return path


# ------------------------------------------------------------------------------------------ territory

def test_hauts_de_france_territory():
    t = load_territory(HDF)
    assert len(t.communes) == 3782 and t.communes["insee"].is_unique
    assert set(t.communes["zone"]) == {"02", "59", "60", "62", "80"}
    assert t.boundaries_level == "zone" and {f["properties"]["zone"] for f in t.boundaries["features"]} == set(t.zones["zone"])
    academies = t.zones.groupby("academie")["zone"].apply(set).to_dict()
    assert academies == {"Lille": {"59", "62"}, "Amiens": {"02", "60", "80"}}
    assert [c.id for c in t.isolation] == ["urbain", "rural"] and set(t.communes["isolation"]) == {"urbain", "rural"}
    for table in (t.circonscriptions, t.bassins):
        assert (table["is_demo"] == "true").all()
        covered = [c for cell in table["communes"] for c in cell.split()]
        assert sorted(covered) == sorted(t.communes["insee"]), "every commune in exactly one area"
    assert t.zone_label == "Département" and t.text("whole") == "la région académique"


def test_demo_area_names_are_french():
    t = load_territory(HDF)
    names = pd.concat([t.circonscriptions["name"], t.bassins["name"]])
    assert names.is_unique
    assert not names.str.contains(r" de [AEIOUYÂÉÈÊÎÔ]|de Le |de Les ").any(), "elision: d'Amiens, not de Amiens"
    assert "Bassin d'Amiens" in set(names)


def test_every_commune_point_lies_in_its_departement():
    from observatoire.model import geo

    t = load_territory(HDF)
    outside = [r.name for r in t.communes.itertuples() if not geo.contains(t.commune_geometry(r.insee), r.lon, r.lat)]
    assert len(outside) < 0.01 * len(t.communes), outside[:10]  # a few border communes, lost to simplification


# ------------------------------------------------------------------------------------------ roadmap

def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_roadmap_keeps_the_reference_wording_and_its_four_axes():
    reference = _norm(REFERENCE.read_text(encoding="utf-8"))
    catalog = load_catalog(HDF / "roadmap.toml")
    assert [a.title for a in catalog.axes] == AXES
    for objective in catalog.objectives:
        assert _norm(objective.title) in reference, objective.title
    for ind in catalog.indicators:
        assert _norm(ind.roadmap_line) in reference, (ind.id, ind.roadmap_line)
    assert {a.id for a in catalog.axes} == {o.axis for o in catalog.objectives}
    assert all(ind.targets_illustrative for ind in catalog.indicators if ind.targets)
    # What the roadmap asks to be measured at every level of pilotage.
    lines = {ind.roadmap_line for ind in catalog.indicators}
    for measured in ("L'ENT (visites, statistiques, et usages)", "L'équipement",
                     "L'utilisation des ressources numériques et services en ligne"):
        assert measured in lines
    assert any(line.startswith("Pix et Pix+edu") for line in lines)
    assert any(line.startswith("La formation initiale et continue") for line in lines)


# ------------------------------------------------------------------------------------------ demo

def test_hauts_de_france_demo_sites(hdf_dir):
    sites = pd.read_parquet(hdf_dir / "reference" / "sites.parquet")
    assert 6_500 <= len(sites) <= 7_500
    assert sites["site_type"].value_counts().to_dict() == {"ecole": 5900, "college": 650, "lycee": 450}
    assert sites["uai"].is_unique and sites["uai"].map(is_valid_uai).all()
    # A site's UAI starts with its département on three digits (059 for the Nord).
    assert (sites["uai"].str[:3] == "0" + sites["commune_code"].str[:2]).all()
    assert sites["name"].str.contains("fictif|fictive").all()
    territory = load_territory(HDF)
    points = territory.communes.set_index("insee")
    far = (sites["lat"] - sites["commune_code"].map(points["lat"])).abs() + \
          (sites["lon"] - sites["commune_code"].map(points["lon"])).abs()
    assert far.quantile(0.99) < 0.06, "sites stay near their commune"
    manifest = json.loads((hdf_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["territory"] == "hauts-de-france" and manifest["demo"] is True


def test_hauts_de_france_sites_are_deterministic():
    territory = load_territory(HDF)
    first, again = build_sites(territory), build_sites(load_territory(HDF))
    pd.testing.assert_frame_equal(first, again)
    assert not build_sites(territory, seed=7)["pupils"].equals(first["pupils"])


def test_demo_follows_the_territory_asked_for(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_TERRITORY", "hauts-de-france")
    assert territory_folder(tmp_path) == HDF
    monkeypatch.delenv("OBSERVATOIRE_TERRITORY")
    (tmp_path / "manifest.json").write_text(json.dumps({"territory": "hauts-de-france", "demo": True}))
    assert territory_folder(tmp_path) == HDF


def test_data_of_another_territory_is_one_clear_error(demo_dir, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_TERRITORY", "hauts-de-france")
    with pytest.raises(ValidationError) as info:
        Store(demo_dir)
    assert "« guyane »" in info.value.problems[0] and "« hauts-de-france »" in info.value.problems[0]


def test_rollups_by_departement_and_region(hdf_dir):
    store = Store(hdf_dir)
    params = dict(indicator_ids=["ent_taux_usage"], date_from=store.snapshot_dates[-2], date_to=store.snapshot_dates[-2],
                  commune=None, zone=None, isolation=None, circonscription=None, bassin=None, degree=None,
                  site_type=None, academie=None, uai=None)
    by_dep = store.run("indicator_values", breakdown="zone", **params)
    total = store.run("indicator_values", breakdown="total", **params)
    assert set(by_dep["group_id"]) == {"02", "59", "60", "62", "80"}
    assert set(by_dep["group_label"]) == {"Aisne", "Nord", "Oise", "Pas-de-Calais", "Somme"}
    # A rate is the ratio of the sums: the région from its départements' numerators and denominators.
    region = by_dep["value_sum"].sum() / by_dep["denominator_sum"].sum()
    assert total["value"].iloc[0] == pytest.approx(region)
    # A région-level indicator is measured on one entity, the région académique.
    academie = store.con.execute("select entity_id, entity_name from entities where entity_level = 'academie'").fetchall()
    assert academie == [("32", "Région académique Hauts-de-France")]
    store.close()


# ------------------------------------------------------------------------------------------ pages

def _pages(roadmap: Path) -> list[str]:
    return [name for entries in menu(load_catalog(roadmap)).values() for name, *_ in entries]


PAGE_CASES = [("guyane", page) for page in _pages(BUNDLED_TERRITORIES / "guyane" / "roadmap.toml")] + \
             [("hauts-de-france", page) for page in _pages(HDF / "roadmap.toml")]


def _errors(at) -> list[str]:
    return [e.value for e in at.exception] + [e.value for e in at.error]


@pytest.mark.parametrize("territory,page", PAGE_CASES, ids=[f"{t}-{p[:-3]}" for t, p in PAGE_CASES])
def test_every_page_renders_for_both_territories(app, demo_dir, hdf_dir, territory, page):
    data = hdf_dir if territory == "hauts-de-france" else demo_dir
    name = load_territory(territory_folder(data)).academie_name
    at = app(page, data_dir=data)
    assert not _errors(at), _errors(at)
    at.run()
    assert not _errors(at), _errors(at)
    assert any(name in m.value for m in at.sidebar.markdown), "territory not shown"
    assert any("démonstration" in w.value for w in at.warning), "demo label missing"


HDF_FILTERS = [{"zone": "59", "circonscription": "C5901", "isolement": "rural"}, {"degre": "2", "bassin": "B8001"}]


@pytest.mark.parametrize("page", ["synthese.py", "axe_4.py", "carte.py", "presentation.py", "explorer.py"])
@pytest.mark.parametrize("params", HDF_FILTERS, ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()))
def test_hauts_de_france_pages_with_filters(app, hdf_dir, page, params):
    at = app(page, data_dir=hdf_dir, **params)
    assert not _errors(at), _errors(at)
    for key, value in params.items():
        assert str(at.selectbox(key=key).value) == value, f"{key} not applied on {page}"


def test_hauts_de_france_indicators_are_labelled_proposed_on_every_screen(app, hdf_dir):
    """Cards, the axis detail and the explorer say « Indicateur proposé », never « Feuille de route : »."""
    axis = app("axe_1.py", data_dir=hdf_dir)
    explorer = app("explorer.py", data_dir=hdf_dir, indicateurs="ent_taux_usage")
    for at in (axis, explorer):
        assert not _errors(at), _errors(at)
        captions = [c.value for c in at.caption]
        assert any(c.startswith("Indicateur proposé") or "— Indicateur proposé" in c for c in captions)
        assert not any("Feuille de route :" in c for c in captions)


def test_hauts_de_france_academie_is_a_filter_and_a_breakdown(app, hdf_dir, demo_dir):
    """Lille (Nord, Pas-de-Calais) and Amiens (Aisne, Oise, Somme): a global filter kept in the URL and a breakdown
    whose two groups add up to the région; Guyane, one académie, shows neither."""
    at = app("explorer.py", data_dir=hdf_dir, indicateurs="ent_comptes_ouverts", ventilation="academie")
    assert not _errors(at), _errors(at)
    assert at.selectbox(key="academie").options == ["Toutes les académies", "Académie d'Amiens", "Académie de Lille"]
    assert "Académie" in at.selectbox(key="ventilation").options
    table = at.dataframe[0].value
    assert set(table.iloc[:, 2]) == {"Amiens", "Lille"}
    store = Store(hdf_dir)
    try:
        day = store.snapshot_dates[-1]
        values = {a: store.run("indicator_values", indicator_ids=["ent_comptes_ouverts"], breakdown="total",
                               date_from=day, date_to=day, **{**Filters(academie=a).params()})["value"].iloc[0]
                  for a in (None, "Lille", "Amiens")}
    finally:
        store.close()
    assert values["Lille"] > 0 and values["Amiens"] > 0 and values["Lille"] + values["Amiens"] == values[None]
    lille = app("axe_1.py", data_dir=hdf_dir, academie="Lille")
    assert not _errors(lille) and lille.selectbox(key="academie").value == "Lille"
    guyane = app("explorer.py", data_dir=demo_dir)
    assert not _errors(guyane)
    assert not any(s.key == "academie" for s in guyane.selectbox)
    assert "Académie" not in guyane.selectbox(key="ventilation").options


def test_hauts_de_france_filters_and_import_template_name_its_own_things(app, hdf_dir):
    from observatoire.ingest.templates import example_uai, template_bytes

    at = app("importer.py", data_dir=hdf_dir)
    assert not _errors(at), _errors(at)
    assert at.selectbox(key="zone").label == "Département"
    assert "Tous les départements" in at.selectbox(key="zone").options
    assert at.selectbox(key="isolement").label == "Classe de commune (urbain / rural)"
    # The page's template buttons: the same bytes, made from the Hauts-de-France roadmap and territory.
    territory = load_territory(HDF)
    files = template_bytes(load_catalog(territory.roadmap_file), "long", "csv", example_uai(territory))
    listed = files["_indicateurs.csv"].decode("utf-8-sig")
    for indicator in load_catalog(HDF / "roadmap.toml").indicators:
        assert f"\n{indicator.id};" in listed
    assert "ent2d_utilisateurs" not in listed
    example = files[".csv"].decode("utf-8-sig").splitlines()[1]
    assert example.startswith("059") and is_valid_uai(example.split(";")[0])


# ------------------------------------------------------------------------------------------ code

PATTERN = re.compile(r"guyane|cayenne|maripasoula|kourou|saint-laurent|oyapock|maroni", re.IGNORECASE)
# Lines allowed to name Guyane: the default territory setting, and the benchmark scale named after its size.
ALLOWED = [
    ("observatoire/settings.py", 'Setting("territory", "OBSERVATOIRE_TERRITORY", "guyane",'),
    ("observatoire/demo/__init__.py", 'SCALES = {"guyane": 1'),
    ("observatoire/demo/__init__.py", 'scale: str = "guyane"'),
    ("observatoire/cli_parser.py", '--scale", choices=["guyane"'),
    ("observatoire/bench/run.py", ""),
]


def test_no_territory_wording_or_commune_list_in_code():
    found = []
    files = [ROOT / "app.py", *[p for d in ("pages", "components", "queries", "observatoire")
                                 for p in (ROOT / d).rglob("*") if p.suffix in (".py", ".sql")]]
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if PATTERN.search(line) and not any(rel == f and snippet in line for f, snippet in ALLOWED):
                found.append(f"{rel}:{number}: {line.strip()}")
        # A commune list: several INSEE codes written in code.
        if len(set(re.findall(r"['\"](97[0-9]{3}|[0-9]{2}[0-9]{3})['\"]", path.read_text(encoding="utf-8")))) > 3:
            found.append(f"{rel}: INSEE codes written in code")
    assert not found, "\n".join(found)


def test_hauts_de_france_breakdowns_are_named_by_the_territory(app, hdf_dir):
    at = app("explorer.py", data_dir=hdf_dir, indicateurs="ent_taux_usage", ventilation="zone")
    assert not _errors(at), _errors(at)
    options = at.selectbox(key="ventilation").options
    assert "Département" in options and "Classe de commune" in options and "Zone" not in options
    table = at.dataframe[0].value
    assert set(table.iloc[:, 2]) == {"Aisne", "Nord", "Oise", "Pas-de-Calais", "Somme"}
