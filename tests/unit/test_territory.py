"""The territory files: 22 communes, areas covering them, boundaries, validation messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from observatoire.model import geo
from observatoire.errors import ValidationError
from observatoire.model.territory import load_territory

GUYANE = Path(__file__).resolve().parents[2] / "data" / "territories" / "guyane"


def test_guyane_has_22_communes_with_boundaries():
    t = load_territory(GUYANE)
    assert len(t.communes) == 22
    assert t.communes["insee"].is_unique
    assert len(t.boundaries["features"]) == 22
    assert set(t.communes["isolation"]) <= {c.id for c in t.isolation}
    assert len(t.zones) == 8


def test_every_commune_centre_lies_in_its_boundary():
    t = load_territory(GUYANE)
    for row in t.communes.itertuples():
        assert geo.contains(t.commune_geometry(row.insee), row.lon, row.lat), row.name


def test_isolated_villages_lie_in_their_commune():
    t = load_territory(GUYANE)
    for v in t.villages.itertuples():
        assert geo.contains(t.commune_geometry(v.commune), v.lon, v.lat), v.name
    assert "Trois-Sauts" in set(t.villages["name"])


@pytest.fixture
def broken(tmp_path) -> Path:
    folder = tmp_path / "guyane"
    shutil.copytree(GUYANE, folder)
    return folder


def test_unknown_isolation_class_is_reported(broken):
    path = broken / "communes.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",urbain,route,cayenne,", ",metropole,route,cayenne,"), encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_territory(broken)
    assert any("communes.csv, ligne 2" in p and "metropole" in p for p in info.value.problems)


def test_circonscription_with_unknown_commune_is_reported(broken):
    path = broken / "circonscriptions.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("C03,Rémire-Montjoly,97309", "C03,Rémire-Montjoly,99999"), encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_territory(broken)
    problems = " ".join(info.value.problems)
    assert "99999" in problems and "97309" in problems  # unknown commune, and the commune left uncovered
