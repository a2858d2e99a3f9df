"""Tables with French formats and their downloads (CSV ';' with BOM, XLSX), filters written in the file."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from observatoire.exports import file_stem, to_csv_bytes, to_xlsx_bytes
from observatoire.formats import format_number, format_percent

DEMO_NOTE = "Données de démonstration : valeurs fictives"


def french_styler(frame: pd.DataFrame, formats: dict[str, str]):
    """A Styler that shows French numbers while the values stay numeric (so columns sort correctly).

    formats: column -> 'int', 'dec1', 'dec2', 'pct' or 'euro'.
    """
    funcs = {
        "int": lambda v: format_number(v, 0),
        "dec1": lambda v: format_number(v, 1),
        "dec2": lambda v: format_number(v, 2),
        "pct": lambda v: format_percent(v, 1),
        "euro": lambda v: format_number(v, 0) + "\u202f€" if pd.notna(v) else "—",
    }
    return frame.style.format({c: funcs[f] for c, f in formats.items() if c in frame.columns}, na_rep="—")


def unit_format(unit: str) -> str:
    return {"rate": "pct", "score": "dec2", "amount": "euro"}.get(unit, "int")


def download_buttons(frame: pd.DataFrame, name_parts: list[str], about: dict[str, str], key: str) -> None:
    """Two download buttons; the file name says page, indicator and date, the file says the filters."""
    stem = file_stem(*name_parts)
    lines = [f"{k} : {v}" for k, v in about.items()]
    left, right = st.columns(2)
    left.download_button("Télécharger (CSV)", to_csv_bytes(frame, lines), f"{stem}.csv", "text/csv",
                         key=f"{key}-csv")
    right.download_button("Télécharger (Excel)", to_xlsx_bytes(frame, about), f"{stem}.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}-xlsx")
