"""The page of one roadmap axis (template of pages/views/axe_N.py): cards per operational objective, then one
indicator in detail (trend, breakdown, equity gap, ranking with drill-down to the fiches), then the axis's
equity gaps.

Questions: indicator_values (every figure: total, per class, per group, per site or commune),
site_directory (the ranking's names), sites_in_scope (through pages/views/gaps.py).
Only the chosen indicator's charts are built, so a rerun stays fast with twenty indicators on a page.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from components.chart_text import chart as draw_chart
from components.axis_view import (breakdown_options, breakdown_table, commune_table, label_groups, site_table,
                                  summary_sentence)
from components import icons
from components.chart_export import chart_downloads
from components.equity_view import class_labels
from components.fiches import commune_label, open_fiche, site_label
from components.kpi import NO_VALUE_NOTICE, indicator_card
from components.session import headline_figures, indicator_values, notes_for, per_data_state, query
from components.shell import Context, context, page_header
from components.tables import DEMO_NOTE, download_buttons, french_styler, screen_rows, unit_format
from observatoire.metrics.fiche import commune_ranking, site_ranking
from observatoire.metrics.progress import target_applies, target_is_level
from observatoire.model.catalog import LEVELS, Indicator
from observatoire.model.dates import format_date_fr
from observatoire.model.filters import Filters, drill_down, not_broken_down
from observatoire.output.charts import breakdown_chart, trend_chart, vega_spec
from observatoire.output.numbers import format_number
from pages.views.gaps import gap_detail, gap_section

CARDS_PER_ROW = 3


def render(number: int) -> None:
    """The whole page of axis `number` (1, 2, 3…), as the territory's roadmap declares it."""
    ctx = context()
    axis = next((a for a in ctx.catalog.axes if a.number == number), None)
    if axis is None:  # a link to an axis this roadmap does not have
        page_header(ctx, f"Axe {number}")
        st.info(f"La feuille de route « {ctx.catalog.title} » n'a pas d'axe {number}.")
        return
    page_header(ctx, f"Axe {axis.number} — {axis.title}")
    indicators = ctx.catalog.indicators_of_axis(axis.id)
    if ctx.view.snapshot_date is None:
        st.info("Aucun instantané : les indicateurs de cet axe n'ont pas encore de donnée.")
        return
    values, figures = headline_figures(ctx.store, tuple(i.id for i in indicators), ctx.view.filters,
                                       ctx.view.snapshot_date)
    chosen_key = f"{axis.id}-indicateur"
    st.markdown(summary_sentence(indicators, figures))

    for n, objective in enumerate(ctx.catalog.objectives_of(axis.id), start=1):
        of_objective = ctx.catalog.indicators_of(objective.id)
        with st.expander(f"Objectif {axis.number}.{n} — {objective.title} ({len(of_objective)} indicateurs)",
                         expanded=True, key=f"objectif-{objective.id}"):
            for start in range(0, len(of_objective), CARDS_PER_ROW):
                row = of_objective[start:start + CARDS_PER_ROW]
                for column, ind in zip(st.columns(CARDS_PER_ROW), row):
                    with column:
                        indicator_card(ind, *figures[ind.id], key=f"card-{ind.id}")
                        st.button("Voir le détail", key=f"detail-{ind.id}", type="tertiary", icon=icons.DETAIL,
                                  on_click=_choose, args=(chosen_key, ind.id))

    st.header("Détail d'un indicateur", anchor="detail")
    detail(ctx, axis, indicators, figures, values, chosen_key)

    *_, urban_label, isolated_label = class_labels(ctx.store.territory)
    st.header(f"Écarts entre sites « {isolated_label} » et « {urban_label} »", anchor="ecarts")
    motto = ctx.store.territory.text("equity_motto")
    st.caption((f"« {motto} » : p" if motto else "P") + "our chaque indicateur mesuré par établissement.")
    gap_section(ctx, indicators, key=f"{axis.id}-ecarts", page=page_of(axis))


def page_of(axis) -> str:
    return f"axe-{axis.number}"


# Not a fragment (yet): tried, a ranking row then opened the fiche without the sidebar's filters in its URL
# (tests/browser/test_fiches.py); the detail widgets still rerun the whole page.
def detail(ctx: Context, axis, indicators: list[Indicator], figures: dict, values: pd.DataFrame,
           chosen_key: str) -> None:
    """The detail of one indicator: trend, breakdown, equity gap and ranking tabs."""
    ids = [i.id for i in indicators]
    # Opened from an inspector's link, the detail starts on the first indicator that has a number under the
    # filters, not on one that would only say "non ventilé" in every tab.
    shown = [n for n, i in enumerate(ids) if figures[i][1] is None and figures[i][0] is not None
             and figures[i][0].has_data and chosen_key not in st.session_state]  # else the index is unused
    indicator = ctx.catalog.indicator(st.selectbox(
        "Indicateur", ids, index=shown[0] if shown else 0, format_func=lambda i: ctx.catalog.indicator(i).label,
        key=chosen_key, persist_state="session"))
    st.caption(f"{indicator.wording} — mesuré par {LEVELS[indicator.level]}, "
               f"source : {indicator.source}. {indicator.definition}")
    # Only the open tab is drawn (a tab click reruns the page): the breakdown and ranking grids were ~40 % of an
    # axis page's rerun while nobody looked at them.
    *_, urban_label, isolated_label = class_labels(ctx.store.territory)
    evolution, breakdown, gap, ranking = st.tabs(
        ["Évolution", "Ventilation", f"Écart {isolated_label} / {urban_label}", "Classement"],
        key=f"{axis.id}-onglet", on_change="rerun")
    page = page_of(axis)
    if evolution.open:
        with evolution:
            draw_trend(ctx, indicator, values, key=f"{axis.id}-tendance")
    if breakdown.open:
        with breakdown:
            draw_breakdown(ctx, indicator, page=page, key=f"{axis.id}-ventilation")
    if gap.open:
        with gap:
            gap_detail(ctx, indicator, key=f"{axis.id}-ecart")
    if ranking.open:
        with ranking:
            draw_ranking(ctx, indicator, page=page, key=f"{axis.id}-classement")


def _choose(key: str, indicator_id: str) -> None:
    st.session_state[key] = indicator_id


# ---------------------------------------------------------------- Évolution

def draw_trend(ctx: Context, indicator: Indicator, values: pd.DataFrame, key: str) -> None:
    reason = not_broken_down(indicator, ctx.view.filters)
    if reason:
        st.info(reason)
        return
    series = values[values["indicator_id"] == indicator.id][["snapshot_date", "value"]].dropna()
    if series.empty:
        st.info(NO_VALUE_NOTICE)
        return
    by_class = indicator.level != "academie" and not ctx.view.filters.isolation and st.toggle(
        "Une courbe par classe d'isolement", key=f"{key}-classes")
    notes = notes_for(ctx.view.filters.circonscription, indicator.id)
    chart = trend_spec(ctx.store, indicator.id, ctx.view.filters, bool(by_class), notes)
    draw_chart(chart, key=f"{key}-graphique")
    if indicator.targets and (not target_applies(indicator, ctx.view.filters, ctx.store.restricted) or (by_class and not target_is_level(indicator))):
        st.caption("La cible est fixée pour toute l'académie : elle n'est pas tracée pour ce périmètre"
                   + (" ni pour chaque classe." if by_class else "."))
    chart_downloads(chart, f"{indicator.id}-evolution", key=f"{key}-export")


# Altair charts cost tens of milliseconds to build on every rerun; st.altair_chart only reads them. So each
# is built once per data state and view, and the same object serves every rerun and session (cache_resource:
# neither copied nor pickled).
@per_data_state(resource=True, max_entries=256)
def trend_figure(store, indicator_id: str, filters: Filters, by_class: bool, notes: tuple = ()):
    """The trend of one indicator over every snapshot (one line per isolation class if asked), with its notes."""
    indicator = store.catalog.indicator(indicator_id)
    if by_class:
        rows = indicator_values([indicator_id], filters, "isolation")
        # One line per class: an académie-wide count target is not any class's target.
        return trend_chart(rows.rename(columns={"group_id": "classe"}), indicator,
                           title=f"{indicator.label} par classe d'isolement, à chaque instantané",
                           color_by="classe", colors=store.territory.isolation_colors,
                           labels=store.territory.isolation_labels,
                           show_targets=target_is_level(indicator), annotations=notes)
    rows = indicator_values([indicator_id], filters)
    return trend_chart(rows[["snapshot_date", "value"]].dropna(), indicator,
                       show_targets=target_applies(indicator, filters, store.restricted), annotations=notes)


@per_data_state(resource=True, max_entries=256)
def trend_spec(store, indicator_id: str, filters: Filters, by_class: bool, notes: tuple = ()) -> dict:
    """trend_figure as the Vega-Lite dict drawn on every rerun (the conversion validates: done once)."""
    return vega_spec(trend_figure(store, indicator_id, filters, by_class, notes))


# ---------------------------------------------------------------- Ventilation

def draw_breakdown(ctx: Context, indicator: Indicator, page: str, key: str) -> None:
    reason = not_broken_down(indicator, ctx.view.filters)
    if reason:
        st.info(reason)
        return
    names = ctx.store.territory.breakdown_labels   # no académie breakdown in a territory of one académie
    options = [b for b in breakdown_options(indicator) if b in names]
    if not options:
        st.info("Pas de ventilation : cet indicateur est mesuré pour l'ensemble de l'académie seulement.")
        return
    breakdown = st.selectbox("Ventiler par", options, format_func=lambda b: names[b], key=key,
                             persist_state="session")
    day = ctx.view.snapshot_date
    rows = group_values(ctx.store, indicator.id, ctx.view.filters, breakdown, day)
    if rows.empty or rows["value"].isna().all():
        st.info(NO_VALUE_NOTICE)
        return
    draw_chart(breakdown_spec(ctx.store, indicator.id, ctx.view.filters, breakdown, day), key=f"{key}-graphique")
    if indicator.rollup == "ratio":
        st.caption("Chaque taux est le rapport des sommes (numérateurs / dénominateurs), jamais une moyenne de taux.")
    table = breakdown_table(indicator, rows, breakdown, names)
    formats = {c: "int" for c in table.columns[2:]}
    formats[indicator.label] = unit_format(indicator.unit)
    below = drill_down(breakdown, options)
    if below:   # a row picked becomes the global filter, and the view goes one échelon down
        st.caption(f"Sélectionnez une ligne pour ne garder que ce groupe ({names[breakdown].lower()}) et "
                   f"ventiler par {names[below].lower()}.")
    table_key = f"{key}-tableau-{breakdown}"   # one table per échelon: a pick is not carried one level down
    drill = partial(_drill, table_key, list(rows["group_id"]), breakdown, key, below) if below else "ignore"
    st.dataframe(french_styler(table, formats), hide_index=True, key=table_key, on_select=drill,
                 selection_mode="single-row")
    download_buttons(table, [page, indicator.id, f"par-{breakdown}", str(day)], ctx.about(),
                     key=f"dl-{key}", formats=formats)


def _drill(table_key: str, group_ids: list[str], breakdown: str, breakdown_key: str, below: str) -> None:
    """Runs before the rerun draws the sidebar: the picked group becomes the filter of the same name (its widget
    key, its URL parameter), and the breakdown goes one échelon down."""
    rows = st.session_state[table_key].selection.rows
    if not rows:
        return
    st.session_state[breakdown] = group_ids[rows[0]]
    if breakdown in st.query_params:   # the widget writes the new value back to the URL
        del st.query_params[breakdown]
    st.session_state[breakdown_key] = below


def group_values(store, indicator_id: str, filters: Filters, breakdown: str, day) -> pd.DataFrame:
    """Rolled-up values per group of `breakdown` at `day`, with French group labels."""
    rows = indicator_values([indicator_id], filters, breakdown, date_from=day, date_to=day)
    return label_groups(store.territory, rows, breakdown)


@per_data_state(resource=True, max_entries=256)
def breakdown_figure(store, indicator_id: str, filters: Filters, breakdown: str, day):
    """The bars of one indicator per group of `breakdown` at `day`."""
    indicator = store.catalog.indicator(indicator_id)
    rows = group_values(store, indicator_id, filters, breakdown, day)
    colors = store.territory.isolation_colors if breakdown == "isolation" else None
    name = store.territory.breakdown_labels[breakdown]
    title = f"{indicator.label} par {name.lower()}, au {format_date_fr(day)}"
    return breakdown_chart(rows, indicator, name, colors=colors, title=title)


@per_data_state(resource=True, max_entries=256)
def breakdown_spec(store, indicator_id: str, filters: Filters, breakdown: str, day) -> dict:
    return vega_spec(breakdown_figure(store, indicator_id, filters, breakdown, day))


# ---------------------------------------------------------------- Classement

def draw_ranking(ctx: Context, indicator: Indicator, page: str, key: str) -> None:
    """Sites (or communes) ranked on the indicator; picking a row opens the fiche."""
    reason = not_broken_down(indicator, ctx.view.filters)
    if reason:
        st.info(reason)
        return
    if indicator.level == "academie":
        st.info("Pas de classement : cet indicateur est mesuré pour l'ensemble de l'académie seulement.")
        return
    day = ctx.view.snapshot_date
    level = "site" if indicator.level == "site" else "commune"
    ranking = ranked_entities(ctx.store, indicator.id, ctx.view.filters, day)
    if ranking is None:
        st.info(NO_VALUE_NOTICE)
        return
    ranked, table = ranking
    if level == "site":
        column, target, param = "UAI", "etablissement", "uai"

        def label_of(uai: str) -> str:  # only for the selected row: the ranking may hold 60 000 sites
            row = ranked[ranked["uai"] == uai].iloc[0]
            return site_label(row["name"], row["commune_name"], uai)
    else:
        column, target, param = "Code INSEE", "commune", "code"

        def label_of(code: str) -> str:
            return commune_label(ranked.loc[ranked["code"] == code, "name"].iloc[0], code)
    what = "établissement" if level == "site" else "commune"
    shown, cut = screen_rows(table)
    st.caption(f"{format_number(len(table))} {what}s ayant répondu au {format_date_fr(day)}, du meilleur au moins "
               f"bon (cliquez un en-tête pour trier). Sélectionnez une ligne pour ouvrir la fiche {what}.{cut}"
               + (f" {DEMO_NOTE}." if ctx.store.is_demo else ""))
    formats = {"Rang": "int", "Élèves": "int", "Population": "int", indicator.label: unit_format(indicator.unit)}
    formats.update({c: "int" for c in table.columns[table.columns.get_loc(indicator.label) + 1:]})
    event = st.dataframe(french_styler(shown, formats), hide_index=True, key=key, on_select="rerun",
                         selection_mode="single-row")
    open_fiche(event, shown, column, target, param, label_of)
    download_buttons(table, [page, indicator.id, "classement", str(day)], ctx.about(), key=f"dl-{key}",
                     formats=formats)


# The ranking joins every site's value with the site directory (60 000 rows at national scale): built once per
# data state, indicator, filters and date, and shared by reruns and sessions (cache_resource: no copy, no
# unpickling; nothing below changes it). Few entries: each may hold tens of thousands of rows.
@per_data_state(resource=True, max_entries=8)
def ranked_entities(store, indicator_id: str, filters: Filters, day) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(ranked rows, table in French columns) of the sites or communes on one indicator, None if no value."""
    indicator = store.catalog.indicator(indicator_id)
    level = "site" if indicator.level == "site" else "commune"
    rows = indicator_values([indicator_id], filters, level, date_from=day, date_to=day)
    if rows.empty:
        return None
    if level == "site":
        ranked = site_ranking(rows, query("site_directory", uai=None), indicator.direction)
        return ranked, site_table(store.territory, indicator, ranked)
    ranked = commune_ranking(rows, store.territory.communes, indicator.direction)
    return ranked, commune_table(store.territory, indicator, ranked)
