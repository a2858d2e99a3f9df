"""The French finish: one formatting module, exports as on screen, icons without emoji, charts with their data."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from components import icons
from components.chart_text import chart_table
from components.maps import grid_frame
from components.tables import export_frame, french_styler
from observatoire.output.charts import missing_heatmap
from observatoire.output.numbers import (MINUS, NBSP, format_duration, format_measure, format_number, format_percent,
                                         format_signed, format_timestamp)
from observatoire.output.tables import to_csv_bytes

ROOT = Path(__file__).resolve().parents[2]
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")


@pytest.mark.parametrize(("call", "expected"), [
    (lambda: format_number(-1234.5, 1), f"{MINUS}1{NBSP}234,5"),
    (lambda: format_number(-0.04, 1), "0,0"),
    (lambda: format_percent(-0.628), f"{MINUS}62,8{NBSP}%"),
    (lambda: format_signed(-3), f"{MINUS}3"),
    (lambda: format_measure(57.0), "57"),
    (lambda: format_measure(2.345), "2,35"),
    (lambda: format_measure(None), "—"),
    (lambda: format_duration(1.83), f"1,8{NBSP}s"),
    (lambda: format_timestamp("2025-01-31T14:05:09+00:00"), "31 janvier 2025 à 14 h 05 (UTC)"),
    (lambda: format_timestamp("20250131T140509.123456Z"), "31 janvier 2025 à 14 h 05 (UTC)"),
    (lambda: format_timestamp(None), "—"),
])
def test_french_formats(call, expected):
    assert call() == expected


def test_no_hyphen_minus_in_any_negative():
    for value in (-1, -0.5, -1234567.891):
        assert "-" not in format_number(value, 2) and "-" not in format_percent(value)


def test_styled_table_shows_no_none():
    frame = pd.DataFrame({"Commune": ["Cayenne", None], "Taux": [0.5, float("nan")]})
    html = french_styler(frame, {"Taux": "pct"}).to_html()
    assert "None" not in html and "nan" not in html and html.count("—") == 2


def test_explorer_like_export_writes_rates_as_on_screen():
    frame = pd.DataFrame({"Groupe": ["A"], "Taux d'usage": [0.04918]})
    csv = to_csv_bytes(export_frame(frame, {"Taux d'usage": "pct"})).decode("utf-8-sig")
    assert csv.splitlines() == ["Groupe;Taux d'usage (%)", "A;4,9"]


def test_decimal_columns_export_with_a_comma_like_double_ones():
    frame = pd.DataFrame({"d": [Decimal("1.50"), None], "f": [2.25, 3.0]})
    lines = to_csv_bytes(frame).decode("utf-8-sig").splitlines()
    assert lines == ["d;f", "1,5;2,25", ";3,0"]


def test_icons_are_material_symbols_and_no_source_draws_an_emoji():
    for icon in [*icons.PAGE.values(), *icons.AXES, icons.DEMO, icons.DETAIL, icons.PDF, icons.QUIT]:
        assert re.fullmatch(r":material/[a-z_0-9]+:", icon), icon
    assert Path(icons.APP).exists() and icons.APP.endswith(".svg")
    files = [ROOT / "app.py", *(ROOT / "components").glob("*.py"), *(ROOT / "pages").rglob("*.py")]
    offenders = [f"{f.name}: {m}" for f in files for m in EMOJI.findall(f.read_text(encoding="utf-8"))]
    assert offenders == []


def test_chart_data_table_is_french():
    frame = pd.DataFrame({"snapshot_date": [date(2025, 1, 31)], "area_kind": ["Circonscription"],
                          "area_name": ["Cayenne 1"], "missing_share": [0.123], "missing_facts": [3.0],
                          "expected_facts": [1234.0]})
    chart = missing_heatmap(frame)
    table = chart_table(chart.to_dict())
    assert list(table.columns) == ["Zone", "Instantané", "Part manquante", "Valeurs manquantes", "Valeurs attendues"]
    assert table.iloc[0].tolist() == ["Circonscription Cayenne 1", "31 janvier 2025", f"12,3{NBSP}%", "3",
                                      f"1{NBSP}234"]
    x = chart.to_dict()["encoding"]["x"]
    assert x["sort"] == ["31 janvier 2025"] and chart.to_dict()["encoding"]["y"]["axis"]["labelLimit"] == 0


def test_dense_sites_gather_in_a_grid():
    n = 4000
    points = pd.DataFrame({"lon": [2 + (i % 80) / 40 for i in range(n)], "lat": [49 + (i // 80) / 40 for i in range(n)],
                           "coverage_status": ["covered" if i % 3 else "not_covered" for i in range(n)],
                           "commune_name": [f"C{i % 7}" for i in range(n)], "isolation": ["rural"] * n})
    frame = grid_frame(points, {"rural": "#E69F00"})
    assert 100 <= len(frame) <= 19 * 19
    assert frame["tip"].str.contains("établissements autour de").all()
    assert "uai" not in frame.columns  # a click on a square opens no fiche
