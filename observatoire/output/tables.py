"""Table exports that open cleanly in a French spreadsheet: CSV with ';' and a BOM, and XLSX."""

from __future__ import annotations

import io
from decimal import Decimal

import pandas as pd

from observatoire.model.search import fold

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defuse(value):
    """A text cell that a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        present = out[column].dropna()
        if out[column].dtype == object and len(present) and all(isinstance(v, Decimal) for v in present):
            # DuckDB DECIMAL arrives as Decimal objects: as floats they get the decimal comma, like DOUBLE
            out[column] = out[column].astype(float)
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_defuse)
    return out


def to_csv_bytes(frame: pd.DataFrame, header_lines: list[str] | None = None) -> bytes:
    """';'-separated, decimal comma, UTF-8 with BOM; `header_lines` (filters, date, demo) come first."""
    buffer = io.StringIO()
    for line in header_lines or []:
        buffer.write(str(_defuse(line)).replace(";", ",") + "\n")
    _safe(frame).to_csv(buffer, sep=";", decimal=",", index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, about: dict[str, str] | None = None, sheet: str = "Données") -> bytes:
    """An XLSX workbook: the table, then a sheet 'Filtres' with what the table shows."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _safe(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
        if about:
            pd.DataFrame({"Élément": list(about), "Valeur": [_defuse(v) for v in about.values()]}).to_excel(
                writer, sheet_name="Filtres", index=False)
    return buffer.getvalue()


def file_stem(*parts: str) -> str:
    """'synthese_taux-utilisation_2025-08-31': ASCII, lower case, safe for any file system."""
    words = []
    for part in parts:
        text = fold(part).replace(" ", "-")
        if text:
            words.append(text)
    return "_".join(words) or "export"
