"""Issue 15: every number is read by its column's kind and checked against its range; an ambiguous reading is
refused with its line, column and what to write; snapshot dates stay inside the roadmap's period."""

from __future__ import annotations

import pandas as pd
import pytest

from observatoire.cli import main
from observatoire.ingest import prepare
from observatoire.ingest.snapshot_date import snapshot_range
from observatoire.ingest.text import AmbiguousNumber, NotANumber, parse_number
from tests.support.hostile_files import REAL_9730108E, put, annuaire_csv, annuaire_site, ent_csv
from tests.support.import_data import COLLEGE, COLLEGE_ISOLE, SNAPSHOT, make_dir, tree

LONG = "uai;code_commune;academie;indicateur;valeur;denominateur\n"


@pytest.fixture
def data(tmp_path):
    return make_dir(tmp_path / "data")


@pytest.mark.parametrize("cell, decimal, kind, expected", [
    ("5.161", ",", "coordinate", 5.161), ("-52.648", ",", "coordinate", -52.648), ("5,161", ".", "coordinate", 5.161),
    ("3.125", ",", "score", 3.125), ("0.125", ",", "count", 0.125), ("1.020", ",", "count", 1020.0),
    ("1.234.567", ",", "count", 1234567.0), ("1 234,5", ",", "amount", 1234.5), ("1.234,5", ",", "amount", 1234.5),
    ("12.5", ",", "rate", 12.5), ("1,234", ",", "amount", 1.234),
])
def test_numbers_read_by_their_kind(cell, decimal, kind, expected):
    assert parse_number(cell, decimal, kind) == expected


@pytest.mark.parametrize("cell, decimal, kind", [("1.234", ",", "amount"), ("1,234", ".", "rate"), ("2.500", ",", "amount")])
def test_ambiguous_numbers_are_refused_with_both_readings(cell, decimal, kind):
    with pytest.raises(AmbiguousNumber) as refused:
        parse_number(cell, decimal, kind)
    whole, part = cell.replace(",", ".").split(".")
    assert "ambigu" in refused.value.reason and f"{whole}{part}" in refused.value.hint


@pytest.mark.parametrize("cell", ["1e309", "-1e309", "inf", "nan", "1e16", "9" * 400])
def test_non_finite_or_huge_numbers_are_refused(cell):
    with pytest.raises(NotANumber):
        parse_number(cell, ",", "count")


def test_real_annuaire_row_stores_its_latitude(data, tmp_path):
    """The annuaire's coordinates carry a point in a ';' file: 9730108E is at latitude 5,161, not 5 161."""
    plan = prepare([put(tmp_path, "annuaire.csv", annuaire_csv(REAL_9730108E))], None, data)
    assert plan.ok, [p.message() for p in plan.errors]
    site = plan.sites.set_index("uai").loc["9730108E"]
    assert site["lat"] == pytest.approx(5.161) and site["lon"] == pytest.approx(-52.648)


@pytest.mark.parametrize("extra, column, words", [
    ({"latitude": "999"}, "latitude", "hors du territoire"),
    ({"latitude": "48.85", "longitude": "2.35"}, "latitude", "hors du territoire"),  # Paris, not Guyane
    ({"longitude": "-152.648"}, "longitude", "hors du territoire"),
    ({"latitude": "1e309"}, "latitude", "hors limites"),
], ids=["latitude-999", "paris", "longitude", "infinite"])
def test_coordinates_outside_the_territory_are_refused(data, tmp_path, extra, column, words):
    path = put(tmp_path, "annuaire.csv", annuaire_csv({**REAL_9730108E, **extra}))
    plan = prepare([path], None, data)
    [error] = plan.errors
    assert words in error.found and error.line == 2 and column in error.column


def _annuaire_2023_with_pupils(pupils: str) -> bytes:
    from tests.support.import_data import ANNUAIRE_2023, annuaire_row

    row = {k: v for k, v in annuaire_site("9730108E").items() if k in ANNUAIRE_2023.split(";")}
    return (ANNUAIRE_2023 + "\n" + annuaire_row(ANNUAIRE_2023, **row, Nombre_d_eleves=pupils) + "\n").encode("utf-8")


@pytest.mark.parametrize("pupils", ["3000000000", "-12", "12,5", "1e309", "beaucoup"])
def test_impossible_pupil_counts_are_refused_not_wrapped(data, tmp_path, capsys, pupils):
    path = put(tmp_path, "annuaire2023.csv", _annuaire_2023_with_pupils(pupils))
    before = tree(data)
    assert main(["--data-dir", str(data), "import", str(path)]) == 1
    assert tree(data) == before
    err = capsys.readouterr().err
    assert "ligne 2" in err and "Nombre_d_eleves" in err and "Traceback" not in err


def test_a_plausible_pupil_count_is_stored_as_an_integer(data, tmp_path):
    plan = prepare([put(tmp_path, "annuaire2023.csv", _annuaire_2023_with_pupils("1 234"))], None, data)
    assert plan.ok and plan.sites.set_index("uai").loc["9730108E", "pupils"] == 1234


@pytest.mark.parametrize("rows, words, column", [
    (f"{COLLEGE};;;ent2d_utilisateurs;1e309;\n", "hors limites", "E « valeur »"),
    (f"{COLLEGE};;;ent2d_taux_utilisation;10;1e309\n", "hors limites", "F « denominateur »"),
    (f"{COLLEGE};;;educonnect_comptes_actives;0.125;\n", "entier", "E « valeur »"),
    (f"{COLLEGE};;;ent2d_taux_utilisation;120;100\n", "dépasse le dénominateur", "E « valeur »"),
    (";97302;;equipement_subventions;1.234;\n", "ambigu", "E « valeur »"),
    (";;33;formation_taux_realisation;1.500;2000\n", "ambigu", "E « valeur »"),
], ids=["infinite-value", "infinite-denominator", "fractional-count", "rate-above-denominator", "amount", "rate"])
def test_long_format_values_checked_by_their_indicator(data, tmp_path, rows, words, column):
    plan = prepare([put(tmp_path, "long.csv", LONG + rows)], SNAPSHOT, data)
    [error] = plan.errors
    assert words in error.found and error.line == 2 and error.column == column, error.message()
    assert error.action  # what to write instead


def test_a_score_with_three_decimals_is_a_decimal(data, tmp_path):
    plan = prepare([put(tmp_path, "long.csv", LONG + ";;33;formation_satisfaction;3.125;40\n")], SNAPSHOT, data)
    assert plan.ok, [p.message() for p in plan.errors]
    assert plan.facts["value"].tolist() == [3.125]


def test_the_vectorised_screen_never_groups_an_ambiguous_cell():
    """Above the Python threshold (many distinct texts), '2.500' is left to the per-row rules, which read it by
    its indicator's kind; '0.125' and '12.5' are decimals whatever the kind."""
    import pyarrow as pa

    from observatoire.ingest.vector import PYTHON_UNIQUES, parse_numbers

    texts = [str(i) for i in range(PYTHON_UNIQUES + 10)] + ["2.500", "0.125", "12.5", "1e309"]
    values, ok = parse_numbers(pa.array(texts), ",")
    assert list(ok[-4:]) == [False, True, True, False] and list(values[-3:-1]) == [0.125, 12.5]


@pytest.mark.parametrize("users, words", [("4.5", "entier"), ("1e309", "hors limites"), ("-3", "négative")])
def test_ent_reader_refuses_what_the_long_format_refuses(data, tmp_path, users, words):
    content = ent_csv(("2025-02-03", COLLEGE, "10", users), ("2025-02-10", COLLEGE_ISOLE, "10", "3"))
    plan = prepare([put(tmp_path, "ent.csv", content)], SNAPSHOT, data)
    assert any(words in p.found and p.line == 2 and "utilisateurs_globales" in p.column for p in plan.errors), \
        [p.message() for p in plan.problems]


def test_ent_visits_that_are_not_finite_are_refused(data, tmp_path):
    plan = prepare([put(tmp_path, "ent.csv", ent_csv(("2025-02-03", COLLEGE, "1e309", "4")))], SNAPSHOT, data)
    assert any("hors limites" in p.found and "visites_globales" in p.column for p in plan.errors)


def test_snapshot_range_is_the_period_with_a_school_year_each_side():
    first, last = snapshot_range("2024-2025")
    assert (first.isoformat(), last.isoformat()) == ("2023-09-01", "2026-08-31")


@pytest.mark.parametrize("day, words", [
    ("1999-01-31", "hors de la période"), ("0001-01-01", "hors de la période"), ("2027-01-31", "futur"),
    ("45658", "numéro de série Excel"), ("45658.0", "numéro de série Excel"), ("31/13/2025", "n'est pas une date"),
])
def test_snapshot_dates_outside_the_range_are_refused(data, tmp_path, capsys, day, words):
    path = put(tmp_path, "long.csv", LONG + f"{COLLEGE};;;ent2d_utilisateurs;12;\n")
    before = tree(data)
    assert main(["--data-dir", str(data), "import", str(path), "--snapshot", day]) == 1
    assert tree(data) == before
    assert words in capsys.readouterr().err


def test_a_date_inside_the_range_is_accepted(data, tmp_path):
    plan = prepare([put(tmp_path, "long.csv", LONG + f"{COLLEGE};;;ent2d_utilisateurs;12;\n")], "28/02/2025", data)
    assert plan.ok and str(plan.snapshot) == "2025-02-28"
    assert isinstance(plan.facts, pd.DataFrame)
