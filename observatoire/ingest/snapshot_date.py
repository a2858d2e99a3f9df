"""The snapshot date of an import: written as a date (never an Excel serial), not in the future, and inside the
range the territory states.

The range is the roadmap's period (`period = "2024-2025"` in roadmap.toml: school years from September 2024 to
August 2025) widened by one school year on each side (SNAPSHOT_MARGIN_YEARS): the year before gives the
baseline a roadmap is measured against, the year after its closing review. Guyane 2024-2025 thus accepts
1 September 2023 to 31 August 2026. A roadmap without a period accepts 2000 onwards.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from observatoire.model.dates import format_date_fr
from observatoire.ingest.plan import SNAPSHOT_SOURCE
from observatoire.ingest.problems import Collector

SNAPSHOT_MARGIN_YEARS = 1
NO_PERIOD_START = date(2000, 1, 1)
DATE_HINT = "Écrivez la date de l'instantané en AAAA-MM-JJ, par exemple 2025-01-31"


def snapshot_range(period: str) -> tuple[date, date]:
    """First and last accepted snapshot date for a roadmap period such as '2024-2025' or '2023-2027'."""
    years = [int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", period or "")]
    if not years:
        return NO_PERIOD_START, date(9999, 12, 31)
    first, last = min(years), max(years)
    if first == last:  # '2025': the school year that ends that year
        first -= 1
    return date(first - SNAPSHOT_MARGIN_YEARS, 9, 1), date(last + SNAPSHOT_MARGIN_YEARS, 8, 31)


def _read(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}" if pattern == "%Y-%m-%d" else r"\d{1,2}/\d{1,2}/\d{4}", text):
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                return None
    return None


def parse_snapshot(value, problems: Collector, today: date, period: str) -> date | None:
    """The snapshot date, or None after a French error (unreadable, an Excel serial, future, outside the range)."""
    if value is None or value == "":
        return None
    day = _read(value)
    shown = str(value).strip()[:40]
    if day is None:
        if re.fullmatch(r"\d{4,6}(\.0+)?", shown):
            problems.error(SNAPSHOT_SOURCE, None, None, f"« {shown} » ressemble à un numéro de série Excel, pas à une date",
                           DATE_HINT + " (dans le tableur, mettez la cellule au format date)")
        else:
            problems.error(SNAPSHOT_SOURCE, None, None, f"« {shown} » n'est pas une date", DATE_HINT)
        return None
    if day > today:
        problems.error(SNAPSHOT_SOURCE, None, None, f"le {format_date_fr(day)} est dans le futur",
                       "Un instantané décrit une situation constatée : choisissez une date passée ou aujourd'hui")
        return None
    first, last = snapshot_range(period)
    if not first <= day <= last:
        problems.error(SNAPSHOT_SOURCE, None, None,
                       f"le {format_date_fr(day)} est hors de la période de la feuille de route ({period}, acceptée "
                       f"du {format_date_fr(first)} au {format_date_fr(last)})",
                       "Vérifiez l'année de la date ; pour une autre période, la feuille de route (roadmap.toml, "
                       "« period ») doit la couvrir")
        return None
    return day
