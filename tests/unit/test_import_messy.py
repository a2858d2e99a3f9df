"""Messy real files that must import (title rows, several sheets, typed UAIs, Excel serial dates…), and the
vectorised screen judged against the per-row rules on the same cells."""

from __future__ import annotations

import random

import pytest

from observatoire.ingest import prepare, vector
from observatoire.ingest.text import parse_number
from observatoire.ingest.vector import parse_numbers
from tests.support.import_data import (xlsx_book, COLLEGE, COLLEGE_ISOLE, ENT_HEADER, LYCEE, SNAPSHOT, UAI, ent_row, make_dir)

import numpy as np
import pandas as pd
import pyarrow as pa


@pytest.fixture
def data(tmp_path):
    return make_dir(tmp_path / "data")


def facts(plan) -> dict[tuple, tuple]:
    return {(r.indicator_id, r.entity_id): (r.value, None if r.denominator != r.denominator else r.denominator, r.line)
            for r in plan.facts.itertuples()}


book = xlsx_book


def test_french_excel_export_with_title_rows_and_trailing_columns(data, tmp_path):
    content = ("Tableau de bord DRANE — février 2025;;;;;\r\nSource : remontées des établissements;;;;;\r\n;;;;;\r\n"
               "Code-UAI;INDICATEUR;Valeur ;Dénominateur;Nom de l'établissement;;\r\n"
               f" {COLLEGE.lower()} ;ent2d_taux_utilisation;37,5;120;Collège Gran Man Difou — Maripasoula;;\r\n"
               f"{COLLEGE_ISOLE[:3]} {COLLEGE_ISOLE[3:]};ent2d_utilisateurs;1\u00a0234;;Collège Élie Castor;;\r\n"
               f"{LYCEE};pix_eleves_certifies;1 012;;Lycée Félix Éboué;;\r\n;;;;;;\r\n\r\n")
    path = tmp_path / "remontées.csv"
    path.write_bytes(content.encode("cp1252"))
    plan = prepare([path], SNAPSHOT, data)
    assert plan.ok, [p.message() for p in plan.errors]
    assert facts(plan) == {("ent2d_taux_utilisation", COLLEGE): (37.5, 120.0, 5),
                           ("ent2d_utilisateurs", COLLEGE_ISOLE): (1234.0, None, 6),
                           ("pix_eleves_certifies", LYCEE): (1012.0, None, 7)}
    assert plan.sources[0]["encoding"] == "cp1252"


def test_workbook_with_a_notice_sheet_and_a_merged_title(data, tmp_path):
    path = tmp_path / "classeur.xlsx"
    path.write_bytes(book([("Notice", [["Ce classeur contient les remontées"], ["Voir l'onglet Données"]], []),
                           ("Données", [["Remontées février 2025", None, None], [], ["UAI", "Indicateur", "Valeur"],
                                        [COLLEGE, "ent2d_utilisateurs", 12], [LYCEE, "pix_eleves_certifies", 13.0]],
                            ["A1:C1"])]))
    plan = prepare([path], SNAPSHOT, data)
    assert plan.ok, [p.message() for p in plan.errors]
    assert facts(plan) == {("ent2d_utilisateurs", COLLEGE): (12.0, None, 4), ("pix_eleves_certifies", LYCEE): (13.0, None, 5)}
    assert any("feuille « Données » lue" in p.found for p in plan.warnings)
    assert plan.sources[0]["sheet"] == "Données"


def test_ent_export_with_excel_serial_dates(data, tmp_path):
    # 45691 = 2025-02-03, 45698 = 2025-02-10: the weeks of February as an XLSX without date formats gives them.
    header = ENT_HEADER.split(";")
    rows = [[{"debutsemaine": serial, "uai": COLLEGE, "visites_globales": 10, "utilisateurs_globales": users}.get(c)
             for c in header] for serial, users in ((45691, 4), (45698, 7))]
    path = tmp_path / "dnma.xlsx"
    path.write_bytes(book([("dnma", [header, *rows], [])]))
    plan = prepare([path], SNAPSHOT, data)
    assert plan.ok, [p.message() for p in plan.errors]
    assert facts(plan)[("ent2d_utilisateurs", COLLEGE)][0] == 7.0
    csv_path = tmp_path / "dnma.csv"
    csv_path.write_text(ENT_HEADER + "\n" + ent_row("45691", COLLEGE, 10, 5) + "\n", encoding="utf-8")
    assert prepare([csv_path], SNAPSHOT, data).ok


def test_lone_dash_and_euro_amounts(data, tmp_path):
    path = tmp_path / "montants.csv"
    path.write_text("code_commune;indicateur;valeur\n97302;equipement_subventions;1 500 €\n", encoding="utf-8")
    plan = prepare([path], SNAPSHOT, data)
    assert plan.ok, [p.message() for p in plan.errors]
    assert facts(plan)[("equipement_subventions", "97302")][0] == 1500.0


# --- the vectorised screen against the per-row rules -------------------------------------------------------

VALUES = ["12", "0", "7.0", "12,5", "1 234", "1\u00a0234", "1.234", "1,234", "1.234,5", "37,5 %", "120 %", "-3", "\u22123",
          "douze", "", "=1+1", "+4", "2,17E+3", "oui", "non", "1", "2", "150", "45", "0,5", " 8 ", "-", "3.", ".5"]
DENOMINATORS = ["", "100", "120", "0", "1 000", "x", "-5", "40,5"]
INDICATORS = ["ent2d_utilisateurs", "ent2d_taux_utilisation", "pix_eleves_certifies", "copil_bilan_annuel",
              "innov_communes_sensibilisees", "ent2d_utilisateur", "", "ENT2D_Utilisateurs"]
ENTITIES = [*UAI, UAI[0].lower(), f"{UAI[1][:3]} {UAI[1][3:]}", UAI[2][:7] + "Q", "9739999X", "", "97302", "97399", "33"]


def _messy_long(seed: int, rows: int, separator: str) -> str:
    rng = random.Random(seed)
    lines = [separator.join(["uai", "code_commune", "academie", "indicateur", "valeur", "denominateur", "nom"])]
    for _ in range(rows):
        entity = rng.choice(ENTITIES)
        column = 1 if entity.startswith("973") and len(entity) == 5 else (2 if entity == "33" else 0)
        cells = ["", "", "", rng.choice(INDICATORS), rng.choice(VALUES), rng.choice(DENOMINATORS), rng.choice(["x", "@a", ""])]
        cells[column] = entity
        lines.append(separator.join(f'"{c}"' if separator in c else c for c in cells))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("separator", [";", ","])
def test_vectorised_screen_gives_the_per_row_results(data, tmp_path, monkeypatch, separator):
    """Same facts and the same messages, in the same order, whether the screen clears rows or not."""
    path = tmp_path / "melange.csv"
    path.write_text(_messy_long(7, 1500, separator), encoding="utf-8")
    fast = prepare([path], SNAPSHOT, data)
    assert len(fast.facts) >= 10 and len(fast.errors) > 50  # both paths are exercised
    monkeypatch.setattr(vector, "formula_candidates", lambda column: np.ones(len(column), dtype=bool))
    slow = prepare([path], SNAPSHOT, data)  # every row through the per-row rules
    assert [p.message() for p in fast.problems] == [p.message() for p in slow.problems]
    pd.testing.assert_frame_equal(fast.facts, slow.facts)


def test_wide_screen_gives_the_per_row_results(data, tmp_path, monkeypatch):
    rng = random.Random(3)
    lines = ["UAI;Nom;ent2d_utilisateurs;ent2d_taux_utilisation;ent2d_taux_utilisation_denominateur"]
    for _ in range(600):
        lines.append(";".join([rng.choice(ENTITIES[:8]), "x", rng.choice(VALUES), rng.choice(VALUES), rng.choice(DENOMINATORS)]))
    path = tmp_path / "large.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast = prepare([path], SNAPSHOT, data)
    monkeypatch.setattr(vector, "formula_candidates", lambda column: np.ones(len(column), dtype=bool))
    slow = prepare([path], SNAPSHOT, data)
    assert [p.message() for p in fast.problems] == [p.message() for p in slow.problems]
    pd.testing.assert_frame_equal(fast.facts, slow.facts)


def test_vectorised_numbers_match_parse_number():
    """Above the Python threshold, the vectorised shapes give parse_number's value to the last bit."""
    rng = random.Random(11)
    texts = [f"{rng.randint(0, 10**rng.randint(1, 9))}{rng.choice(['', ',', '.'])}{rng.randint(0, 999):0{rng.randint(1, 3)}d}"
             for _ in range(30_000)] + VALUES
    for decimal in (",", "."):
        values, ok = parse_numbers(pa.array(texts), decimal)
        for text, value, good in zip(texts, values, ok):
            if text.strip().endswith("%"):
                assert not good
                continue
            try:  # cleared only when a count and a decimal column read it alike (else judged by its column's kind)
                expected = parse_number(text, decimal, "count")
                same = parse_number(text, decimal, "decimal") == expected
            except ValueError:
                assert not good, text
            else:
                assert good == same and (not good or value == expected), (text, value, expected)


def test_bench_import_file_has_the_rows_asked_all_distinct_and_known():
    """The bench measures import throughput on a file of many rows even at Guyane scale (tiled sites)."""
    from observatoire.bench.import_throughput import tile_facts
    from observatoire.model.uai import is_valid_uai
    from tests.support.import_data import SITES

    sites = pd.DataFrame(SITES)
    small = pd.DataFrame({"indicator_id": ["ent2d_utilisateurs"] * 3, "entity_level": "site", "entity_id": UAI[:3],
                          "value": [1.0, 2.0, 3.0], "denominator": np.nan})
    tiled, more_sites, copies = tile_facts(small, sites, 10)
    assert len(tiled) == 10 and copies == 4
    assert not tiled.duplicated(["indicator_id", "entity_level", "entity_id"]).any()
    assert set(tiled["entity_id"]) <= set(more_sites["uai"]) and more_sites["uai"].is_unique
    assert all(is_valid_uai(u) for u in more_sites["uai"])
    assert tile_facts(small, sites, 2)[0].equals(small.head(2))


def test_a_file_of_errors_stops_being_read_after_the_limit(data, tmp_path):
    """A wrong file of a million rows must not take minutes: reading stops after Collector.STOP_AFTER errors."""
    from observatoire.ingest.problems import Collector

    rows = Collector.STOP_AFTER + 500
    path = tmp_path / "faux.csv"
    path.write_text("uai;indicateur;valeur\n" + "".join(f"{COLLEGE};ent2d_utilisateurs;x{i}\n" for i in range(rows)),
                    encoding="utf-8")
    plan = prepare([path], SNAPSHOT, data)
    last = plan.errors[-1]
    assert "lecture arrêtée" in last.found and last.line == Collector.STOP_AFTER + 2
    assert len(plan.errors) == Collector.LIMIT_PER_KIND + 2  # 50 shown, "d'autres suivent", the stop
