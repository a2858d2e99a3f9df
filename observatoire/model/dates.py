"""School years and French dates."""

from datetime import date, timedelta

MONTHS_FR = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]
MONTHS_FR_SHORT = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
]
SCHOOL_YEAR_START_MONTH = 9


def school_year(day: date) -> str:
    """'2024-2025' for any date from 1 September 2024 to 31 August 2025."""
    start = day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1
    return f"{start}-{start + 1}"


def school_year_bounds(year: str) -> tuple[date, date]:
    """First and last day of a school year written '2024-2025'."""
    start = int(year[:4])
    return date(start, SCHOOL_YEAR_START_MONTH, 1), date(start + 1, SCHOOL_YEAR_START_MONTH, 1) - timedelta(days=1)


def format_date_fr(day: date) -> str:
    """'31 janvier 2025'."""
    return f"{day.day} {MONTHS_FR[day.month - 1]} {day.year}"


