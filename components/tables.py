"""Tables with French formats and their downloads (CSV ';' with BOM, XLSX), filters written in the file."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.access import audited_export
from observatoire.output.tables import file_stem, to_csv_bytes, to_xlsx_bytes
from observatoire.output.numbers import format_measure, format_number, format_percent

from observatoire.copil.wording import DEMO_NOTE  # noqa: F401 (one wording for every demo note)
# Rows of a long table drawn on screen: French formatting goes through a pandas Styler, a few seconds a rerun
# for tens of thousands of rows (a national ranking); the download always holds the whole table.
SCREEN_ROWS = 1000


def screen_rows(table: pd.DataFrame, limit: int | None = None) -> tuple[pd.DataFrame, str]:
    """The first rows to draw and, when the table is longer, a French sentence saying so (else "")."""
    limit = SCREEN_ROWS if limit is None else limit
    if len(table) <= limit:
        return table, ""
    return table.head(limit), (f" Les {format_number(limit)} premières lignes sont affichées ; le téléchargement "
                               "contient tout le tableau.")


def french_styler(frame: pd.DataFrame, formats: dict[str, str]):
    """A Styler that shows French numbers while the values stay numeric (so columns sort correctly).

    formats: column -> 'int', 'dec1', 'dec2', 'num' (whole numbers bare, else 2 decimals), 'pct' or 'euro'.
    """
    funcs = {
        "int": lambda v: format_number(v, 0),
        "dec1": lambda v: format_number(v, 1),
        "dec2": lambda v: format_number(v, 2),
        "num": format_measure,
        "pct": lambda v: format_percent(v, 1),
        "euro": lambda v: format_number(v, 0) + "\u202f€" if pd.notna(v) else "—",
    }
    # Every column's missing cells read "—" (a text column would otherwise show "None").
    return frame.style.format(na_rep="—").format({c: funcs[f] for c, f in formats.items() if c in frame.columns},
                                                 na_rep="—")


def unit_format(unit: str) -> str:
    return {"rate": "pct", "score": "dec2", "amount": "euro"}.get(unit, "int")


EXPORT_DECIMALS = {"pct": 1, "dec1": 1, "dec2": 2, "num": 2, "int": 0, "euro": 0}


def export_frame(frame: pd.DataFrame, formats: dict[str, str] | None = None) -> pd.DataFrame:
    """The table as a spreadsheet should read it: the numbers the screen shows, still numbers.

    A rate column ('pct') is written in percent, rounded as on screen, and its header says so
    ("Taux … (%)"): 0.0857 would read as 0,0857 in Excel where the page says 8,6 %. Columns with a
    format are rounded to its decimals; a float column holding whole numbers only (counts, pupils,
    numerators) is written without ",0".
    """
    formats = formats or {}
    out = frame.copy()
    renames = {}
    for column in out.columns:
        series = out[column]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        fmt = formats.get(column)
        if fmt == "pct":
            series = series.astype(float) * 100
            renames[column] = f"{column} (%)"
        if fmt in EXPORT_DECIMALS:
            series = series.astype(float).round(EXPORT_DECIMALS[fmt])
        if pd.api.types.is_float_dtype(series):
            present = series.dropna()
            if len(present) and (present == present.round()).all() and present.abs().max() < 2**53:
                series = series.astype("Int64")
        out[column] = series
    return out.rename(columns=renames)


def download_buttons(frame: pd.DataFrame, name_parts: list[str], about: dict[str, str], key: str,
                     formats: dict[str, str] | None = None) -> None:
    """Two download buttons; the file name says page, indicator and date, the file says the filters.

    formats: the same column -> format mapping as french_styler, so the file shows what the screen shows.
    The files are written when a button is clicked (deferred data), not on every rerun of the page: an
    XLSX workbook costs tens of milliseconds and a page has several tables.
    """
    stem = file_stem(*name_parts)
    lines = [f"{k} : {v}" for k, v in about.items()]
    frame, about, formats = frame.copy(), dict(about), dict(formats or {})
    left, right = st.columns(2)
    left.download_button("Télécharger (CSV)", audited_export(lambda: to_csv_bytes(export_frame(frame, formats), lines),
                                                             f"{stem}.csv"),
                         f"{stem}.csv", "text/csv", key=f"{key}-csv", on_click="ignore")
    right.download_button("Télécharger (Excel)", audited_export(lambda: to_xlsx_bytes(export_frame(frame, formats), about),
                                                                f"{stem}.xlsx"),
                          f"{stem}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key}-xlsx", on_click="ignore")
