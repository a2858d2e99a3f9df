"""The equity gap (isolated minus urban sites) as tables and small charts, for axis pages and the home page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.charts import gap_chart
from components.session import get_store, indicator_values, query
from components.shell import Context
from components.tables import download_buttons, french_styler
from observatoire.metrics import equity
from observatoire.model.catalog import Indicator
from observatoire.model.filters import Filters


def class_labels(ctx: Context) -> tuple[str, str, str, str]:
    """(urban id, isolated id, urban label, isolated label), from the territory's ordered classes."""
    urban, isolated = equity.extreme_classes(ctx.store.territory)
    labels = ctx.store.territory.isolation_labels
    return urban, isolated, labels[urban], labels[isolated]


def gaps(ctx: Context, indicators: list[Indicator]) -> tuple[pd.DataFrame, dict[str, str]]:
    """(gap summary at the chosen snapshot, indicator id -> reason it has no gap)."""
    labels = ctx.store.territory.isolation_labels
    reasons = {i.id: r for i in indicators if (r := equity.gap_reason(i, ctx.view.filters, labels))}
    measured = [i for i in indicators if i.id not in reasons]
    urban, isolated, *_ = class_labels(ctx)
    if not measured or ctx.view.snapshot_date is None:
        return equity.gap_summary([], pd.DataFrame(), ctx.view.snapshot_date, urban, isolated), reasons
    summary = _summary(ctx.store.fingerprint, tuple(i.id for i in measured), ctx.view.filters,
                       ctx.view.snapshot_date, urban, isolated)
    absent = absent_classes(ctx)
    for ind in measured:
        if ind.id not in set(summary["indicator_id"]):
            reasons[ind.id] = absent or "Pas encore de donnée pour les deux classes à cet instantané."
    return summary, reasons


def absent_classes(ctx: Context) -> str | None:
    """Why no gap can exist in this scope at all: it holds no site of one of the two compared classes
    (an inspector's circonscription on the coast has no isolated school). None when both are present."""
    urban, isolated, urban_label, isolated_label = class_labels(ctx)
    present = set(query("sites_in_scope", min_pupils=None, **ctx.view.filters.params())["isolation"].dropna().unique())
    missing = [label for cls, label in ((isolated, isolated_label), (urban, urban_label)) if cls not in present]
    if not missing:
        return None
    which = " ni ".join(f"« {m} »" for m in missing)
    return f"Sans objet : ce périmètre ne compte aucun site {which}, l'écart entre les deux classes ne s'y calcule pas."


@st.cache_data(show_spinner=False, max_entries=256)
def _summary(state: str, ids: tuple[str, ...], filters: Filters, day, urban: str, isolated: str) -> pd.DataFrame:
    """The gap summary, cached per data state, filters and date (a few dozen ms of pandas per rerun otherwise)."""
    catalog = get_store().catalog
    rows = indicator_values(list(ids), filters, "isolation", date_to=day)
    return equity.gap_summary([catalog.indicator(i) for i in ids], rows, day, urban, isolated)


def gap_table(ctx: Context, summary: pd.DataFrame) -> pd.DataFrame:
    """The summary in French: one row per indicator, values formatted in their unit, history as numbers."""
    _, _, urban_label, isolated_label = class_labels(ctx)
    catalog = ctx.catalog
    inds = [catalog.indicator(i) for i in summary["indicator_id"]]
    return pd.DataFrame({
        "Indicateur": [i.label for i in inds],
        f"Sites « {isolated_label} »": [equity.format_compared(v, i) for v, i in zip(summary["isolated_value"], inds)],
        f"Sites « {urban_label} »": [equity.format_compared(v, i) for v, i in zip(summary["urban_value"], inds)],
        "Écart": [equity.format_gap(v, i) for v, i in zip(summary["gap"], inds)],
        "Écart relatif": summary["relative_gap"].astype(float),
        "Un an plus tôt": [equity.format_gap(v, i) for v, i in zip(summary["gap_year_ago"], inds)],
        f"Au détriment des sites « {isolated_label} »": summary["behind"].map({True: "oui", False: "non"}),
        "Évolution de l'écart": summary["history"],
    })


def export_table(ctx: Context, summary: pd.DataFrame) -> pd.DataFrame:
    """The numbers behind the table, for the downloads: per-pupil values per 1 000 pupils, rates in percent
    and their gaps in points, as the page says them."""
    _, _, urban_label, isolated_label = class_labels(ctx)
    inds = [ctx.catalog.indicator(i) for i in summary["indicator_id"]]
    scale = [equity.PER_PUPILS if equity.per_pupil(i) else (100 if i.unit == "rate" else 1) for i in inds]
    unit = ["pour 1 000 élèves" if equity.per_pupil(i) else
            ("taux en %, écart en points" if i.unit == "rate" else i.unit) for i in inds]
    return pd.DataFrame({
        "Indicateur": [i.label for i in inds],
        "Identifiant": summary["indicator_id"],
        "Mesure": unit,
        f"Sites « {isolated_label} »": summary["isolated_value"] * scale,
        f"Sites « {urban_label} »": summary["urban_value"] * scale,
        "Écart": summary["gap"] * scale,
        "Écart relatif": summary["relative_gap"],
        "Écart un an plus tôt": summary["gap_year_ago"].astype(float) * scale,
    })


def draw_gap_table(ctx: Context, indicators: list[Indicator], key: str, page: str, limit: int | None = None) -> None:
    """The gap of every indicator given (or the `limit` largest), with downloads and the reasons for the rest."""
    summary, reasons = gaps(ctx, indicators)
    urban, isolated, urban_label, isolated_label = class_labels(ctx)
    if summary.empty:
        absent = absent_classes(ctx) if ctx.view.snapshot_date else None
        st.info(absent or (next(iter(reasons.values()), "Aucun indicateur mesuré par établissement.")
                           if len(set(reasons.values())) == 1 else "Aucun écart calculable avec ces filtres."))
        return
    if limit:
        summary = summary.head(limit)
    st.caption(f"Écart = sites « {isolated_label} » moins sites « {urban_label} » : en points pour un taux, "
               f"pour 1 000 élèves pour un nombre. Écart relatif = écart rapporté à la valeur des sites « {urban_label} » ; "
               "les plus grands écarts relatifs en premier.")
    table = gap_table(ctx, summary)
    st.dataframe(french_styler(table, {"Écart relatif": "pct"}), hide_index=True, key=key,
                 column_config={"Évolution de l'écart": st.column_config.LineChartColumn(
                     "Évolution de l'écart", help="L'écart à chaque instantané jusqu'à la date choisie")})
    export = export_table(ctx, summary)
    formats = {c: "dec2" for c in export.columns[3:]} | {"Écart relatif": "pct"}
    download_buttons(export, [page, f"ecarts-{isolated}-{urban}", str(ctx.view.snapshot_date)],
                     ctx.about(), key=f"dl-{key}", formats=formats)
    others = [(i, reasons[i.id]) for i in indicators if i.id in reasons and equity.applies(i)]
    if others and not limit:
        with st.expander(f"{len(others)} indicateur(s) sans écart calculé", key=f"{key}-sans-ecart"):
            for ind, reason in others:
                st.markdown(f"- **{ind.label}** : {reason}")


def detail_chart(ctx: Context, indicator: Indicator, series: pd.DataFrame):
    """The gap over the snapshots, scaled to what the page says (points, per 1 000 pupils)."""
    _, isolated, urban_label, isolated_label = class_labels(ctx)
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
    return gap_chart(shown, title, unit, fmt, color=ctx.store.territory.isolation_colors[isolated])


def draw_gap_detail(ctx: Context, indicator: Indicator, key: str) -> None:
    """For one indicator: a sentence with both classes and the gap, and the small chart of the gap."""
    labels = ctx.store.territory.isolation_labels
    reason = equity.gap_reason(indicator, ctx.view.filters, labels)
    if reason:
        st.info(reason)
        return
    urban, isolated, urban_label, isolated_label = class_labels(ctx)
    day = ctx.view.snapshot_date
    rows = indicator_values([indicator.id], ctx.view.filters, "isolation", date_to=day)
    series = equity.gap_series(indicator, rows, urban, isolated)
    summary = _summary(ctx.store.fingerprint, (indicator.id,), ctx.view.filters, day, urban, isolated)
    if summary.empty:
        st.info(absent_classes(ctx) or "Pas encore de donnée pour les deux classes à cet instantané : écart non calculé.")
        return
    st.markdown(equity.gap_sentence(indicator, summary.iloc[0], day, urban_label, isolated_label))
    st.altair_chart(detail_chart(ctx, indicator, series), key=f"{key}-graphique")
