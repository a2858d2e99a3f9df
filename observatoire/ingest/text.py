"""Cell-level rules: column names, French numbers, dates, formula injection."""

from __future__ import annotations

import math
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
    """A cell that is not a number; `reason` and `hint` (French) say why and what to write, when known."""

    def __init__(self, cell, reason: str | None = None, hint: str | None = None):
        super().__init__(cell)
        self.cell, self.reason, self.hint = cell, reason, hint


class AmbiguousNumber(NotANumber):
    """'1.234' in a file whose decimal mark is the comma: one thousand two hundred, or one point two?"""


# How a column's numbers are read. Counts and amounts may group thousands ("1.234.567", "1 234"); coordinates,
# scores and other decimals never do, so their single point or comma is always the decimal mark.
KINDS = ("count", "amount", "rate", "coordinate", "score", "decimal")
GROUPING_KINDS = {"count", "amount", "rate"}
MAX_MAGNITUDE = 1e15  # no indicator, pupil count or amount of a roadmap comes near: a bigger number is a mistake


def parse_number(cell: str, decimal: str = ",", kind: str = "count") -> float:
    """'1 234,5', '1.234,5', '1\u202f234', '2,17003E+13', '12.5' -> float; raise NotANumber otherwise.

    `decimal` is the file's decimal mark; spaces are thousands separators. `kind` decides the other mark: for a
    coordinate or a score it is a decimal mark too ('5.161' is 5,161); for a count it groups thousands when a
    nonzero digit leads ('1.020' is 1 020: 1,02 is no count; '0.125' stays 0,125 and is then refused as no
    integer); for an amount or a rate, '1.234' could be either and is refused (AmbiguousNumber), never guessed. A number that is not finite, or beyond MAX_MAGNITUDE, is refused.
    """
    text = str(cell).strip().removesuffix("€").replace(MINUS, "-")
    for space in SPACES:
        text = text.replace(space, "")
    if not text:
        raise NotANumber(cell)
    other = "." if decimal == "," else ","
    grouping = kind in GROUPING_KINDS
    if "," in text and "." in text:  # both: the last one is the decimal mark, the other groups by three
        dec = "," if text.rfind(",") > text.rfind(".") else "."
        group = "." if dec == "," else ","
        if not re.fullmatch(r"[+-]?\d{1,3}(\%s\d{3})+\%s\d*([eE][+-]?\d+)?" % (group, dec), text):
            raise NotANumber(cell)
        text = text.replace(group, "").replace(dec, ".")
    elif text.count(other) > 1:  # 1.234.567: only a grouping of thousands
        if not grouping or not re.fullmatch(r"[+-]?\d{1,3}(\%s\d{3})+" % other, text):
            raise NotANumber(cell)
        text = text.replace(other, "")
    elif other in text:
        if grouping and re.fullmatch(r"[+-]?[1-9]\d{0,2}\%s\d{3}" % other, text):
            whole, part = text.split(other)
            if kind == "count":  # 1.020 pupils: 1,02 is no count, so the mark can only group thousands
                return float(whole + part)
            mark = "une virgule décimale" if decimal == "," else "un point décimal"
            raise AmbiguousNumber(cell, f"« {cell} » est ambigu : {whole} {part} ou {whole}{decimal}{part} ?",
                                  f"Écrivez {whole}{part} (sans séparateur de milliers) ou {whole}{decimal}{part} "
                                  f"(avec {mark}), selon ce que vous voulez dire")
        text = text.replace(other, ".")
    elif decimal in text:
        text = text.replace(decimal, ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        raise NotANumber(cell)
    value = float(text)
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise NotANumber(cell, f"« {str(cell)[:40]} » est hors limites (au-delà d'un million de milliards)",
                         "Vérifiez la valeur (unité, exposant, colonne) : aucun indicateur n'atteint ce nombre")
    return value


def number_problem(cell: str, exc: NotANumber, what: str = "") -> tuple[str, str]:
    """(found, action) of a message about a cell that is not a number; `what` names the value ('dénominateur ')."""
    if exc.reason:
        return exc.reason, exc.hint or NUMBER_HINT
    return f"{what}« {brief(cell)} » n'est pas un nombre", NUMBER_HINT


def brief(cell: str, limit: int = 60) -> str:
    """A cell as a message quotes it: cut, so that a 5 MB cell is not echoed whole."""
    cell = str(cell)
    return cell if len(cell) <= limit else cell[:limit - 1] + "…"


NUMBER_HINT = "Écrivez un nombre (par exemple 1 234,5) ; laissez la cellule vide si la donnée manque"


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
