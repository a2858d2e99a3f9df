"""The equity gap (isolated minus urban sites) as tables and small charts, for axis pages and the home page.

The pages fetch the gaps (pages/views/gaps.py); these blocks only shape and draw them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from components.tables import download_buttons
from observatoire.metrics import equity
from observatoire.model.catalog import Catalog, Indicator
from observatoire.model.territory import Territory
from observatoire.output.charts import gap_chart
from observatoire.output.numbers import format_percent


@dataclass(frozen=True)
class Gaps:
    """The gap of every measured indicator at the chosen snapshot, why the others have none, and why the scope
    has none at all (None when both compared classes are present)."""

    summary: pd.DataFrame
    reasons: dict[str, str]
    absent: str | None


def class_labels(territory: Territory) -> tuple[str, str, str, str]:
    """(urban id, isolated id, urban label, isolated label), from the territory's ordered classes."""
    urban, isolated = equity.extreme_classes(territory)
    labels = territory.isolation_labels
    return urban, isolated, labels[urban], labels[isolated]


def absent_sentence(territory: Territory, present: set[str]) -> str | None:
    """Why no gap can exist in a scope whose sites are of the classes `present` (an inspector's circonscription
    on the coast has no isolated school). None when both compared classes are present."""
    urban, isolated, urban_label, isolated_label = class_labels(territory)
    missing = [label for cls, label in ((isolated, isolated_label), (urban, urban_label)) if cls not in present]
    if not missing:
        return None
    which = " ni ".join(f"« {m} »" for m in missing)
    return f"Sans objet : ce périmètre ne compte aucun site {which}, l'écart entre les deux classes ne s'y calcule pas."


def gap_table(catalog: Catalog, territory: Territory, summary: pd.DataFrame) -> pd.DataFrame:
    """The summary in French: one row per indicator, its unit said once ("Mesure"), values formatted without it
    (the table fits a 1 280 px screen)."""
    _, _, urban_label, isolated_label = class_labels(territory)
    inds = [catalog.indicator(i) for i in summary["indicator_id"]]
    return pd.DataFrame({
        "Indicateur": [i.label for i in inds],
        "Mesure": [equity.measure(i) for i in inds],
        f"Sites « {isolated_label} »": [equity.format_compared(v, i, unit=False) for v, i in zip(summary["isolated_value"], inds)],
        f"Sites « {urban_label} »": [equity.format_compared(v, i, unit=False) for v, i in zip(summary["urban_value"], inds)],
        "Écart": [equity.format_gap(v, i, unit=False) for v, i in zip(summary["gap"], inds)],
        "Écart relatif": [format_percent(v, 1) for v in summary["relative_gap"]],
        "Un an plus tôt": [equity.format_gap(v, i, unit=False) for v, i in zip(summary["gap_year_ago"], inds)],
        f"Au détriment des sites « {isolated_label} »": summary["behind"].map({True: "oui", False: "non"}),
    })


def export_table(catalog: Catalog, territory: Territory, summary: pd.DataFrame) -> pd.DataFrame:
    """The numbers behind the table, for the downloads: per-pupil values per 1 000 pupils, rates in percent
    and their gaps in points, as the page says them."""
    _, _, urban_label, isolated_label = class_labels(territory)
    inds = [catalog.indicator(i) for i in summary["indicator_id"]]
    scale = [equity.PER_PUPILS if equity.per_pupil(i) else (100 if i.unit == "rate" else 1) for i in inds]
    return pd.DataFrame({
        "Indicateur": [i.label for i in inds],
        "Identifiant": summary["indicator_id"],
        "Mesure": [equity.measure(i) for i in inds],
        f"Sites « {isolated_label} »": summary["isolated_value"] * scale,
        f"Sites « {urban_label} »": summary["urban_value"] * scale,
        "Écart": summary["gap"] * scale,
        "Écart relatif": summary["relative_gap"],
        "Écart un an plus tôt": summary["gap_year_ago"].astype(float) * scale,
    })


def draw_gap_table(gaps: Gaps, indicators: list[Indicator], catalog: Catalog, territory: Territory,
                   about: dict[str, str], name_parts: list[str], key: str, limit: int | None = None) -> None:
    """The gap of every indicator given (or the `limit` largest), with downloads and the reasons for the rest."""
    summary, reasons = gaps.summary, gaps.reasons
    urban, isolated, urban_label, isolated_label = class_labels(territory)
    if summary.empty:
        st.info(gaps.absent or (next(iter(reasons.values()), "Aucun indicateur mesuré par établissement.")
                                if len(set(reasons.values())) == 1 else "Aucun écart calculable avec ces filtres."))
        return
    if limit:
        summary = summary.head(limit)
    st.caption(f"Écart = sites « {isolated_label} » moins sites « {urban_label} » : en points pour un taux, "
               f"pour 1 000 élèves pour un nombre. Écart relatif = écart rapporté à la valeur des sites « {urban_label} » ; "
               "les plus grands écarts relatifs en premier.")
    table = gap_table(catalog, territory, summary)
    # An HTML table, whose cells and headers wrap: a grid of nine columns cut the last three, and the
    # indicator's name, on a 1 280 px screen. The gap's history is the detail chart's, under "Détail".
    st.table(table, hide_index=True)   # text already in French: no Styler to render on every rerun
    export = export_table(catalog, territory, summary)
    formats = {c: "dec2" for c in export.columns[3:]} | {"Écart relatif": "pct"}
    page, *rest = name_parts
    download_buttons(export, [page, f"ecarts-{isolated}-{urban}", *rest], about, key=f"dl-{key}", formats=formats)
    others = [(i, reasons[i.id]) for i in indicators if i.id in reasons and equity.applies(i)]
    if others and not limit:
        with st.expander(f"{len(others)} indicateur(s) sans écart calculé", key=f"{key}-sans-ecart"):
            for ind, reason in others:
                st.markdown(f"- **{ind.label}** : {reason}")


def detail_chart(territory: Territory, indicator: Indicator, series: pd.DataFrame):
    """The gap over the snapshots, scaled to what the page says (points, per 1 000 pupils)."""
    _, isolated, urban_label, isolated_label = class_labels(territory)
    shown = series.copy()
    if indicator.unit == "rate":
        shown["gap"] = shown["gap"] * 100
        unit, fmt = "points", "+,.1f"
    elif equity.per_pupil(indicator):
        shown["gap"] = shown["gap"] * equity.PER_PUPILS
        unit, fmt = "pour 1 000 élèves", "+,.1f"
    else:
        unit, fmt = "écart", "+,.2f"
    title = f"Écart entre sites « {isolated_label} » et « {urban_label} » à chaque instantané ({unit})"
    return gap_chart(shown, title, unit, fmt, color=territory.isolation_colors[isolated])
