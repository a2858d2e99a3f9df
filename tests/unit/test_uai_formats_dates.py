"""UAI check letters, French formats, school years."""

from datetime import date

import pytest

from observatoire.model.dates import format_date_fr, school_year, school_year_bounds
from observatoire.output.numbers import format_change, format_number, format_percent, format_points, format_value
from observatoire.model.uai import check_letter, is_valid_uai, make_uai, uai_problem


@pytest.mark.parametrize("code", ["9730001N", "9730108E", "9730196A", "0940176F"])
def test_real_uai_codes_pass(code):
    assert is_valid_uai(code)


def test_wrong_check_letter_names_the_right_one():
    problem = uai_problem("9730001A")
    assert problem is not None and "N" in problem


@pytest.mark.parametrize("code", ["973001N", "97300011", "9730001I", "9730001O", "", "abcdefgh"])
def test_malformed_uai(code):
    assert not is_valid_uai(code)


def test_make_uai_round_trip():
    assert make_uai(9730001) == "9730001N"
    assert check_letter("0940176") == "F"


def test_french_number_formats():
    assert format_number(1234.5, 1) == "1\u202f234,5"
    assert format_percent(0.123) == "12,3\u202f%"
    assert format_points(0.128) == "+12,8 points"
    assert format_points(-0.01) == "−1,0 point"
    assert format_value(None, "count") == "—"
    assert format_value(3_000_000, "amount") == "3\u202f000\u202f000\u202f€"
    assert format_change(-12, "count") == "−12"


def test_school_year_boundaries():
    assert school_year(date(2024, 8, 31)) == "2023-2024"
    assert school_year(date(2024, 9, 1)) == "2024-2025"
    assert school_year_bounds("2024-2025") == (date(2024, 9, 1), date(2025, 8, 31))
    assert format_date_fr(date(2025, 2, 1)) == "1 février 2025"
