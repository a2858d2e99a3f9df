"""Cell-level rules: column names, French numbers, dates, formula injection."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from observatoire.model.search import fold

SPACES = "\u00a0\u202f\u2009\u2007 "
FORMULA_START = ("=", "@", "+", "-")
MINUS = "\u2212"  # the typographic minus sign some exports write
EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's date serials (1900 system, leap-year bug included)


def normalise_name(name: str) -> str:
    """'Code postal' -> 'code_postal', 'Dénominateur' -> 'denominateur', 'nom-circonscription' -> 'nom_circonscription'."""
    return fold(name or "").replace(" ", "_")


class NotANumber(ValueError):
    pass


def parse_number(cell: str, decimal: str = ",") -> float:
    """'1 234,5', '1.234,5', '1\u202f234', '2,17003E+13', '12.5' -> float; raise NotANumber otherwise.

    `decimal` is the file's decimal mark; the other mark, spaces and non-breaking spaces are thousands
    separators. A mark followed by other than 3 digits is read as a decimal whatever the file uses.
    """
    text = str(cell).strip().removesuffix("€").replace(MINUS, "-")
    for space in SPACES:
        text = text.replace(space, "")
    if not text:
        raise NotANumber(cell)
    other = "." if decimal == "," else ","
    if "," in text and "." in text:  # both: the last one is the decimal mark
        dec = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if dec == "," else ",", "").replace(dec, ".")
    elif other in text:
        if re.fullmatch(r"[+-]?\d{1,3}(\%s\d{3})+" % other, text):
            text = text.replace(other, "")
        else:
            text = text.replace(other, ".")
    elif decimal in text:
        text = text.replace(decimal, ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        raise NotANumber(cell)
    return float(text)


def looks_numeric(cell: str) -> bool:
    try:
        parse_number(cell.rstrip("%").strip(), ",")
        return True
    except NotANumber:
        try:
            parse_number(cell.rstrip("%").strip(), ".")
            return True
        except NotANumber:
            return False


def formula_risk(cell: str) -> bool:
    """A cell a spreadsheet would run as a formula: =…, @…, or +/- not followed by a number."""
    text = str(cell).lstrip(SPACES)
    if not text.startswith(FORMULA_START) or text.rstrip(SPACES) in ("-", "+"):
        return False  # a lone dash is how many exports write "no data": not a formula
    if text[0] in "+-" and looks_numeric(text):
        return False
    return True


def parse_date(cell: str) -> date:
    """ISO '2025-01-31' (with or without a time), '31/01/2025' as Excel re-saves it, or an Excel date serial
    ('45901', a date cell read without its format); ValueError otherwise."""
    text = str(cell).strip()
    serial = text.removesuffix(".0")
    if serial.isdigit() and 20_000 <= int(serial) <= 80_000:  # 1954-10-03 .. 2119-01-10
        return EXCEL_EPOCH + timedelta(days=int(serial))
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%Y/%m/%d"):
        try:
            return datetime.strptime(text[:10] if pattern == "%Y-%m-%d" else text.split(" ")[0], pattern).date()
        except ValueError:
            continue
    raise ValueError(cell)


def suggest(word: str, choices: list[str], n: int = 3) -> list[str]:
    import difflib

    return difflib.get_close_matches(word, choices, n=n, cutoff=0.6)
