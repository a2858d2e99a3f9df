"""Blocks of the axis pages (pages/views/axe.py): the summary sentence, the breakdown and ranking tables in
French columns. They take data; the page fetches it (the drill-down to a fiche: components/fiches.open_fiche).
"""

from __future__ import annotations

import pandas as pd

from observatoire.model.catalog import Indicator
from observatoire.model.filters import BREAKDOWNS, SITE_TYPE_LABELS, breakdowns_for
from observatoire.model.territory import Territory


def summary_sentence(indicators: list[Indicator], figures: dict) -> str:
    """'17 indicateurs : 12 avec une valeur, 3 sans donnée encore, 2 non ventilés avec ces filtres.'"""
    shown = sum(1 for h, r in figures.values() if r is None and h is not None and h.has_data)
    reasons = sum(1 for h, r in figures.values() if r is not None)
    empty = len(indicators) - shown - reasons
    parts = [f"{shown} avec une valeur"]
    if empty:
        parts.append(f"{empty} sans donnée encore")
    if reasons:
        parts.append(f"{reasons} non ventilé(s) ou sans objet avec ces filtres")
    return f"**{len(indicators)} indicateurs** de la feuille de route : " + ", ".join(parts) + "."


def breakdown_options(indicator: Indicator) -> list[str]:
    """Breakdowns the user can pick for this indicator (not the total, not the sites: see the ranking)."""
    return [b for b in breakdowns_for(indicator) if b not in ("total", "site")]


def label_groups(territory: Territory, rows: pd.DataFrame, breakdown: str) -> pd.DataFrame:
    """Rolled-up values per group with French group labels, isolation classes in the territory's order."""
    if breakdown == "isolation":
        labels = territory.isolation_labels
        rows["group_label"] = rows["group_id"].map(labels).fillna(rows["group_label"])
        order = {k: n for n, k in enumerate(labels)}
        rows = rows.sort_values("group_id", key=lambda s: s.map(order))
    elif breakdown == "site_type":
        rows["group_label"] = rows["group_id"].map(SITE_TYPE_LABELS).fillna(rows["group_label"])
    return rows.reset_index(drop=True)


def breakdown_table(indicator: Indicator, rows: pd.DataFrame, breakdown: str, names: dict[str, str] = BREAKDOWNS) -> pd.DataFrame:
    table = pd.DataFrame({names[breakdown]: rows["group_label"], indicator.label: rows["value"]})
    if indicator.unit in ("rate", "score"):
        table[indicator.value_label or "Numérateur"] = rows["value_sum"]
        table[indicator.denominator_label or "Dénominateur"] = rows["denominator_sum"]
    table["Entités avec une valeur"] = rows["reporting_entities"]
    if "carried_forward" in rows:
        table["dont reportées d'un instantané antérieur"] = rows["carried_forward"]
    if "expected_entities" in rows:
        table["Entités attendues"] = rows["expected_entities"]
    if indicator.level == "site":
        table["Élèves des sites ayant répondu"] = rows["reporting_pupils"]
    return table


def site_table(territory: Territory, indicator: Indicator, ranked: pd.DataFrame) -> pd.DataFrame:
    """The site ranking in French columns; UAI kept so a selected row opens its fiche."""
    labels = territory.isolation_labels
    table = pd.DataFrame({
        "Rang": ranked["rank"],
        "Établissement": ranked["name"],
        "UAI": ranked["uai"],
        "Type": ranked["site_type"].map(SITE_TYPE_LABELS),
        "Commune": ranked["commune_name"],
        "Circonscription ou bassin": ranked["circonscription_name"].fillna(ranked["bassin_name"]),
        "Classe d'isolement": ranked["isolation"].map(labels),
        "Élèves": ranked["pupils"],
        indicator.label: ranked["value"],
    })
    if indicator.unit in ("rate", "score"):
        table[indicator.value_label or "Numérateur"] = ranked["value_sum"]
        table[indicator.denominator_label or "Dénominateur"] = ranked["denominator_sum"]
    return table


def commune_table(territory: Territory, indicator: Indicator, ranked: pd.DataFrame) -> pd.DataFrame:
    labels = territory.isolation_labels
    zones = dict(zip(territory.zones["zone"], territory.zones["name"]))
    return pd.DataFrame({
        "Rang": ranked["rank"],
        "Commune": ranked["name"],
        "Code INSEE": ranked["code"],
        "Zone": ranked["zone"].map(zones),
        "Classe d'isolement": ranked["isolation"].map(labels),
        "Population": ranked["population"].astype(float),
        indicator.label: ranked["value"],
    })
