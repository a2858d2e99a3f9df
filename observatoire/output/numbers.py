"""French number formats: 1 234,5 and 12,3 % and −4. Used by pages, charts, exports, the deck and the CLI.

Hand-written rather than Babel: the rules are few, and CLDR's French data writes the minus as a
hyphen-minus (U+002D) where French typography (and this dashboard's charts, through d3) uses U+2212.
"""

import math
from datetime import datetime

from observatoire.model.dates import format_date_fr

NBSP = "\u202f"  # narrow no-break space, the French thousands separator
MINUS = "\u2212"  # the true minus sign


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value, decimals: int = 0) -> str:
    """1234.5 -> '1 234,5' (decimals fixed); missing -> '—'."""
    if _is_missing(value):
        return "—"
    text = f"{value:,.{decimals}f}"
    if text.startswith("-"):
        # "-0,0" once rounded reads as zero
        text = MINUS + text[1:] if text.strip("-0.,") else text[1:]
    return text.replace(",", NBSP).replace(".", ",")


def format_measure(value, decimals: int = 2) -> str:
    """A value of any unit in a mixed column: a whole number without decimals (57, not '57,00'), else 2."""
    if _is_missing(value):
        return "—"
    return format_number(value, 0 if float(value).is_integer() else decimals)


def format_percent(ratio, decimals: int = 1) -> str:
    """0.123 -> '12,3 %'."""
    if _is_missing(ratio):
        return "—"
    return f"{format_number(ratio * 100, decimals)}{NBSP}%"


def format_points(delta_ratio, decimals: int = 1) -> str:
    """A difference of two rates in percentage points: 0.128 -> '+12,8 points'."""
    if _is_missing(delta_ratio):
        return "—"
    sign = "+" if delta_ratio > 0 else (MINUS if delta_ratio < 0 else "")
    return f"{sign}{format_number(abs(delta_ratio) * 100, decimals)} point{'s' if abs(delta_ratio) * 100 >= 2 else ''}"


def format_signed(value, decimals: int = 0) -> str:
    """+1 234 / −12."""
    if _is_missing(value):
        return "—"
    sign = "+" if value > 0 else (MINUS if value < 0 else "")
    return sign + format_number(abs(value), decimals)


def format_euros(value) -> str:
    if _is_missing(value):
        return "—"
    return f"{format_number(value, 0)}{NBSP}€"


UNIT_DECIMALS = {"count": 0, "amount": 0, "score": 2, "deliverable": 0}


def format_value(value, unit: str) -> str:
    """Format an indicator value according to its unit."""
    if unit == "rate":
        return format_percent(value)
    if unit == "amount":
        return format_euros(value)
    if unit == "deliverable":
        if _is_missing(value):
            return "—"
        return "réalisé" if value >= 1 else "non réalisé"
    return format_number(value, UNIT_DECIMALS.get(unit, 1))


def format_change(delta, unit: str) -> str:
    """Format a change between two values of one indicator."""
    if unit == "rate":
        return format_points(delta)
    if unit == "amount":
        return "—" if _is_missing(delta) else format_signed(delta) + f"{NBSP}€"
    return format_signed(delta, UNIT_DECIMALS.get(unit, 1))


def format_duration(seconds: float) -> str:
    """1.83 -> '1,8 s'."""
    return f"{format_number(seconds, 1)}{NBSP}s"


def format_timestamp(stamp) -> str:
    """A manifest's ISO or compact UTC stamp -> '31 janvier 2025 à 14 h 05 (UTC)'; missing -> '—'."""
    if _is_missing(stamp) or stamp == "":
        return "—"
    text = str(stamp)
    for pattern in ("%Y%m%dT%H%M%S.%fZ", "%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S"):
        try:
            moment = datetime.strptime(text, pattern)
            break
        except ValueError:
            continue
    else:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    zone = " (UTC)" if moment.utcoffset() is None or not moment.utcoffset() else ""
    return f"{format_date_fr(moment.date())} à {moment.hour} h {moment.minute:02d}{zone}"
