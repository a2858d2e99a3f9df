"""The roadmap file: complete, verbatim, and validated with French messages."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from observatoire.model.catalog import load_catalog, parse_catalog
from observatoire.errors import ValidationError

ROOT = Path(__file__).resolve().parents[2]
ROADMAP = ROOT / "data" / "territories" / "guyane" / "roadmap.toml"
REFERENCE = Path(__file__).resolve().parents[1] / "support" / "fixtures" / "feuille-de-route-guyane-2024-2025.md"


def roadmap_indicator_lines() -> list[str]:
    """Every line listed under « Indicateurs d'évaluation » in §3.2 of the roadmap text."""
    text = REFERENCE.read_text(encoding="utf-8")
    section = text[text.index("## 3.2"):]
    lines, inside = [], False
    for line in section.splitlines():
        if line.startswith("- **"):
            inside = "Indicateurs d'évaluation" in line
        elif inside and line.startswith("  - "):
            lines.append(line[4:].strip())
        elif line.startswith("#"):
            inside = False
    return lines


def test_reference_has_fifty_indicator_lines():
    assert len(roadmap_indicator_lines()) == 50


def test_every_roadmap_line_has_an_indicator_verbatim():
    catalog = load_catalog(ROADMAP)
    wording = {ind.roadmap_line for ind in catalog.indicators if not ind.proposed}
    missing = [line for line in roadmap_indicator_lines() if line not in wording]
    assert not missing, missing
    assert not wording - set(roadmap_indicator_lines()), "an indicator quotes a line that is not in the roadmap"


def test_proposed_indicators_quote_what_the_roadmap_names():
    """A proposed indicator is no evaluation line: it quotes the roadmap's text verbatim and its note says why."""
    text = " ".join(REFERENCE.read_text(encoding="utf-8").split())
    proposed = [i for i in load_catalog(ROADMAP).indicators if i.proposed]
    # The named systems without an evaluation line: Pix Junior, Pix 6e, teachers certified Pix or Pix+Édu, FIL,
    # NEFLE, AI and RNE awareness, GAR resources assigned and used.
    assert {i.id for i in proposed} == {
        "pix_junior_eleves", "pix_positionnement_6e", "pix_enseignants_certifies", "formation_fil_journees",
        "nefle_projets", "ia_actions_sensibilisation", "rne_actions_sensibilisation",
        "gar_ressources_affectees", "gar_ressources_utilisees"}
    for ind in proposed:
        assert ind.roadmap_line not in roadmap_indicator_lines(), ind.id
        assert ind.roadmap_line in text, ind.id
        assert ind.note, ind.id
        assert ind.wording.startswith("Indicateur proposé") and ind.origin == "Indicateur proposé"


def test_hauts_de_france_indicators_are_all_proposed():
    """That roadmap lists no evaluation line: every indicator says it is proposed, from the data, not a territory test."""
    catalog = load_catalog(ROOT / "data" / "territories" / "hauts-de-france" / "roadmap.toml")
    assert catalog.indicators and all(i.proposed and i.note for i in catalog.indicators)
    guyane = load_catalog(ROADMAP).indicator("ent2d_taux_utilisation")
    assert guyane.wording == "Feuille de route : « Taux d'utilisation »" and guyane.origin == "Feuille de route"


def test_proposed_without_note_is_refused():
    raw = _raw()
    raw["indicators"][0]["proposed"] = True
    raw["indicators"][0]["note"] = ""
    assert any("indicateur proposé doit dire pourquoi" in p for p in _problems(raw))


def test_catalog_structure():
    catalog = load_catalog(ROADMAP)
    assert [a.number for a in catalog.axes] == [1, 2, 3]
    assert len({i.id for i in catalog.indicators}) == len(catalog.indicators)
    for ind in catalog.indicators:
        assert ind.axis in {"axe1", "axe2", "axe3"}
        if ind.unit == "rate":
            assert ind.rollup == "ratio" and ind.denominator_label
        for year, value in ind.targets.items():
            assert re.match(r"^\d{4}-\d{4}$", year)
    real = [i for i in catalog.indicators if not i.targets_illustrative]
    assert [(i.id, i.targets.get("2024-2025")) for i in real] == [("ent1d_ecoles_recensees", 50.0)]


def _raw() -> dict:
    return tomllib.loads(ROADMAP.read_text(encoding="utf-8"))


def _problems(raw: dict) -> list[str]:
    with pytest.raises(ValidationError) as info:
        parse_catalog(raw, "test")
    return info.value.problems


def test_duplicate_id_is_reported():
    raw = _raw()
    raw["indicators"].append(dict(raw["indicators"][0]))
    assert any("déclaré deux fois" in p and raw["indicators"][0]["id"] in p for p in _problems(raw))


def test_unknown_axis_is_reported():
    raw = _raw()
    raw["objectives"][0]["axis"] = "axe9"
    assert any("axe inconnu « axe9 »" in p for p in _problems(raw))


def test_unknown_unit_is_reported():
    raw = _raw()
    raw["indicators"][0]["unit"] = "kilos"
    assert any("unit « kilos » inconnu" in p for p in _problems(raw))


def test_rate_without_denominator_rule_is_reported():
    raw = _raw()
    rate = next(i for i in raw["indicators"] if i["unit"] == "rate")
    rate["denominator_label"] = ""
    assert any(rate["id"] in p and "dénominateur" in p for p in _problems(raw))


def test_rate_summed_is_refused():
    raw = _raw()
    rate = next(i for i in raw["indicators"] if i["unit"] == "rate")
    rate["rollup"] = "sum"
    assert any("ratio" in p and rate["id"] in p for p in _problems(raw))


def test_rate_target_above_one_is_refused():
    raw = _raw()
    rate = next(i for i in raw["indicators"] if i["unit"] == "rate")
    rate["targets"] = {"2024-2025": 60}
    assert any("entre 0 et 1" in p for p in _problems(raw))
