"""French number formats: 1 234,5 and 12,3 %. Used by pages, charts, exports and sentences."""

import math

NBSP = "\u202f"  # narrow no-break space, the French thousands separator


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value, decimals: int = 0) -> str:
    """1234.5 -> '1 234,5' (decimals fixed); missing -> '—'."""
    if _is_missing(value):
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


def format_percent(ratio, decimals: int = 1) -> str:
    """0.123 -> '12,3 %'."""
    if _is_missing(ratio):
        return "—"
    return f"{format_number(ratio * 100, decimals)}{NBSP}%"


def format_points(delta_ratio, decimals: int = 1) -> str:
    """A difference of two rates in percentage points: 0.128 -> '+12,8 points'."""
    if _is_missing(delta_ratio):
        return "—"
    sign = "+" if delta_ratio > 0 else ("−" if delta_ratio < 0 else "")
    return f"{sign}{format_number(abs(delta_ratio) * 100, decimals)} point{'s' if abs(delta_ratio) * 100 >= 2 else ''}"


def format_signed(value, decimals: int = 0) -> str:
    """+1 234 / −12."""
    if _is_missing(value):
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "")
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
