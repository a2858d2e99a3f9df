"""What changed between two snapshots, as French sentences generated from the data.

"Le taux d'utilisation de l'ENT Wilapa des sites isolés passe de 31,2 % à 44,0 % (+12,8 points)."
Rates move in points, counts in numbers, amounts in euros (observatoire/output/numbers.py). The moves are
ordered by their importance: the change relative to the target of the school year when there is one
that applies (|change| / |target|), otherwise relative to the earlier value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from observatoire.model.catalog import Catalog, Indicator
from observatoire.model.dates import school_year
from observatoire.model.filters import not_broken_down
from observatoire.output.numbers import UNIT_DECIMALS, format_change, format_value
from observatoire.metrics.progress import target_applies, target_is_level

# Singular first words of indicator labels and their article; any other first word ending in s or x is
# taken as a plural ("Les élèves certifiés Pix"), and a label whose first word is in neither is quoted.
SINGULAR_ARTICLES = {
    "taux": "le", "nombre": "le", "bilan": "le", "compte": "le", "score": "le", "montant": "le",
    "budget": "le", "stockage": "le", "part": "la", "réalisation": "la", "satisfaction": "la", "mission": "la",
    "proportion": "la", "couverture": "la", "moyenne": "la", "usage": "l'", "utilisation": "l'",
}
VOWELS = "aâàeéèêëiîïoôuûùyhAÂÀEÉÈÊËIÎÏOÔUÛÙYH"
EPSILON = 1e-12
# A class's share of a count says little on its own (a small base doubles easily): classes are
# compared on levels only, which the académie's target also measures.
LEVEL_UNITS = ("rate", "score")


@dataclass(frozen=True)
class Change:
    """One move of one indicator (for all sites in scope, or for one isolation class) between two snapshots."""

    indicator_id: str
    group_id: str               # 'total' or an isolation class id
    before: float
    after: float
    target: float | None        # the target the importance is measured against, if any
    importance: float
    sentence: str

    @property
    def change(self) -> float:
        return self.after - self.before


def subject(indicator: Indicator) -> tuple[str, bool]:
    """The indicator as the subject of a sentence, and whether it is plural.

    'Taux d'utilisation de l'ENT Wilapa' -> ("Le taux d'utilisation de l'ENT Wilapa", False);
    'Élèves certifiés Pix' -> ("Les élèves certifiés Pix", True); an unknown singular stays quoted.
    """
    label = indicator.label
    if indicator.unit == "amount":
        label = re.sub(r"\s*\(€\)\s*$", "", label)
    first = label.split()[0] if label.split() else label
    word = first.casefold()
    acronym = len(first) > 1 and first[1].isupper()
    lowered = label if acronym else label[0].lower() + label[1:]
    if word in SINGULAR_ARTICLES:
        article = SINGULAR_ARTICLES[word]
        if article != "l'" and lowered[0] in VOWELS:
            article = "l'"
        text = f"{article}{lowered}" if article == "l'" else f"{article} {lowered}"
        return text[0].upper() + text[1:], False
    if word.endswith(("s", "x")):
        return f"Les {lowered}", True
    return f"« {label} »", False


def class_plural(label: str) -> str:
    """'Isolé' -> 'isolés', 'Rural' -> 'ruraux': a class label as the adjective of 'sites'."""
    word = label.lower()
    if word.endswith("al"):
        return word[:-2] + "aux"
    return word if word.endswith(("s", "x")) else word + "s"


def class_phrase(label: str) -> str:
    """'Isolé' -> 'des sites isolés', 'Rural' -> 'des sites ruraux'."""
    return f"des sites {class_plural(label)}"


def sentence(indicator: Indicator, before: float, after: float, class_label: str | None = None) -> str:
    """One French sentence for a move, e.g. 'Les élèves certifiés Pix passent de 120 à 180 (+60).'"""
    text, plural = subject(indicator)
    if indicator.temporality == "cumulative":
        # one pair of brackets: "Les élèves accompagnés (TED-i, cumul depuis la rentrée)"
        text = text[:-1] + ", cumul depuis la rentrée)" if text.endswith(")") else text + " (cumul depuis la rentrée)"
    if class_label:
        text += " " + class_phrase(class_label)
    verb = "passent" if plural else "passe"
    if indicator.unit == "deliverable":
        return (f"{text} {verb} de « {format_value(before, 'deliverable')} » "
                f"à « {format_value(after, 'deliverable')} ».")
    return (f"{text} {verb} de {format_value(before, indicator.unit)} à {format_value(after, indicator.unit)} "
            f"({format_change(shown_change(before, after, indicator.unit), indicator.unit)}).")


def shown_change(before: float, after: float, unit: str) -> float:
    """The change between the two values as they are printed, so the sentence adds up for its reader
    (3,14 % -> 4,65 % prints 3,1 % -> 4,7 % and +1,6 point, not the raw +1,5)."""
    if unit == "rate":
        return (round(after * 100, 1) - round(before * 100, 1)) / 100
    decimals = UNIT_DECIMALS.get(unit, 1)
    return round(after, decimals) - round(before, decimals)


def importance(before: float, after: float, target: float | None) -> float:
    """|change| / |target|, or |change| / |before| without a target (1 for a start from zero)."""
    delta = abs(after - before)
    if target:
        return delta / abs(target)
    if abs(before) > EPSILON:
        return delta / abs(before)
    return 1.0 if delta > EPSILON else 0.0


def group_target(indicator: Indicator, filters, year: str, by_class: bool) -> float | None:
    """The target a move is measured against: a level (rate, score, deliverable) holds for every group;
    a total (count, amount) only for the whole académie."""
    if not target_applies(indicator, filters):
        return None
    if by_class and not target_is_level(indicator):
        return None
    return indicator.target(year)


def _values_at(rows: pd.DataFrame, day: date) -> dict[tuple[str, str], float]:
    if rows is None or rows.empty:
        return {}
    at = rows[rows["snapshot_date"] == day].dropna(subset=["value"])
    return {(r.indicator_id, r.group_id): float(r.value) for r in at.itertuples()}


def _reporting_at(rows: pd.DataFrame, day: date) -> dict[tuple[str, str], int]:
    """(indicator, group) -> entities behind the value at `day` (reported or carried forward)."""
    if rows is None or rows.empty or "reporting_entities" not in rows:
        return {}
    at = rows[rows["snapshot_date"] == day].dropna(subset=["value"])
    return {(r.indicator_id, r.group_id): int(r.reporting_entities) for r in at.itertuples()}


def completeness_note(before: int | None, after: int | None) -> str:
    """' Complétude différente : 12 entités avant, 10 après.' when the two figures rest on different counts."""
    if before is None or after is None or before == after:
        return ""
    return f" Complétude différente : {before} entité{'s' if before > 1 else ''} avant, {after} après."


def changes(catalog: Catalog, totals: pd.DataFrame, by_class: pd.DataFrame | None, before_date: date,
            after_date: date, filters, class_labels: dict[str, str], limit: int | None = 8,
            per_indicator: int = 2) -> list[Change]:
    """The biggest moves between two snapshots, most important first.

    `totals` and `by_class`: rows of queries/indicator_values.sql (breakdown 'total' and 'isolation')
    covering both dates. Indicators that cannot be shown under `filters` are left out, and so are
    classes when the filters keep a single class; classes are compared on rates and scores only.
    At most `per_indicator` moves per indicator.
    """
    year = school_year(after_date)
    order = {ind.id: n for n, ind in enumerate(catalog.indicators)}
    class_order = {c: n for n, c in enumerate(class_labels)}
    candidates = []
    sources = [("total", totals)]
    if by_class is not None and not filters.isolation:
        sources.append(("isolation", by_class))
    for kind, rows in sources:
        before, after = _values_at(rows, before_date), _values_at(rows, after_date)
        counted_before, counted_after = _reporting_at(rows, before_date), _reporting_at(rows, after_date)
        for (indicator_id, group), new in after.items():
            old = before.get((indicator_id, group))
            if old is None or abs(new - old) <= EPSILON or indicator_id not in order:
                continue
            indicator = catalog.indicator(indicator_id)
            if not_broken_down(indicator, filters):
                continue
            if kind == "isolation" and (indicator.level != "site" or indicator.unit not in LEVEL_UNITS
                                        or group not in class_labels):
                continue
            target = group_target(indicator, filters, year, kind == "isolation")
            label = class_labels[group] if kind == "isolation" else None
            candidates.append(Change(indicator_id, "total" if kind == "total" else group, old, new, target,
                                     importance(old, new, target), sentence(indicator, old, new, label)
                                     + completeness_note(counted_before.get((indicator_id, group)),
                                                         counted_after.get((indicator_id, group)))))
    candidates.sort(key=lambda c: (-c.importance, order[c.indicator_id],
                                   -1 if c.group_id == "total" else class_order.get(c.group_id, 99)))
    out, count = [], {}
    for change in candidates:
        if count.get(change.indicator_id, 0) >= per_indicator:
            continue
        count[change.indicator_id] = count.get(change.indicator_id, 0) + 1
        out.append(change)
        if limit is not None and len(out) >= limit:
            break
    return out
