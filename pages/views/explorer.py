"""Explorateur: indicators x breakdown x period x view, every choice in the URL so a link reopens the view.

Questions: indicator_values and sites_in_scope, through observatoire.metrics.pivot.explore.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.chart_text import chart as draw_chart
from components.session import notes_for, query
from components.shell import context, page_header
from components.state import bound
from components.tables import download_buttons, french_styler, unit_format
from observatoire.metrics.pivot import (DISPLAYS, PERIODS, VALUE_FILTERS, count_by_value, explore, filter_by_value,
                                        period_bounds, relabel, wide_table)
from observatoire.metrics.progress import target_applies, target_is_level
from observatoire.model.dates import format_date_fr
from observatoire.output.charts import breakdown_chart, heatmap_chart, trend_chart

ctx = context()
page_header(ctx, "Explorateur")
store, catalog = ctx.store, ctx.catalog
dates = store.snapshot_dates
if not dates:
    st.info("Aucun instantané : rien à explorer.")
    st.stop()

labels = {i.id: i.label for i in catalog.indicators}
first = next((i.id for i in catalog.indicators if i.headline), catalog.indicators[0].id)
ids = bound(st.multiselect, "Indicateurs", list(labels), "indicateurs", labels.get, default=[first],
            placeholder="Choisissez un ou plusieurs indicateurs")
if ids:
    st.caption("  \n".join(f"{labels[i]} — {catalog.indicator(i).wording}" for i in ids))
left, middle, right = st.columns(3)
with left:
    names = store.territory.breakdown_labels  # "Département" rather than "Zone" where the territory says so
    breakdown = bound(st.selectbox, "Ventilation", list(names), "ventilation", names.get)
    display = bound(st.selectbox, "Affichage", list(DISPLAYS), "vue", DISPLAYS.get)
with middle:
    period = bound(st.selectbox, "Période", list(PERIODS), "periode", PERIODS.get,
                   help="« L'instantané choisi » suit le filtre Instantané du menu latéral.")
    iso = [d.isoformat() for d in dates]
    start = end = None
    if period == "range":
        day = lambda d: format_date_fr(date.fromisoformat(d))  # noqa: E731
        start = bound(st.selectbox, "Du", iso, "du", day, index=0)
        end = bound(st.selectbox, "Au", iso, "au", day, index=len(iso) - 1)
with right:
    min_pupils = st.number_input("Établissements de plus de … élèves", min_value=0, step=10, value=0, key="eleves",
                                 bind="query-params", persist_state="session",
                                 help="0 : tous les établissements. Le seuil s'applique aux indicateurs mesurés "
                                      "par établissement (ex. 100 : écoles de plus de 100 élèves).")
    which = "all"
    if breakdown == "site":
        which = bound(st.selectbox, "Établissements affichés", list(VALUE_FILTERS), "valeurs", VALUE_FILTERS.get,
                      help="« Sans valeur » : aucune donnée reçue, ou une valeur nulle, à l'instantané.")

chosen = [catalog.indicator(i) for i in ids]
if not chosen:
    st.info("Choisissez au moins un indicateur.")
    st.stop()
date_from, date_to = period_bounds(period, dates, ctx.view.snapshot_date,
                                   date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None)
result = explore(query, chosen, ctx.view.filters, breakdown, date_from, date_to, int(min_pupils) or None)
for ind_id, reason in result.left_out.items():
    st.info(f"**{labels[ind_id]}** — {reason}")
shown = [i for i in chosen if i.id not in result.left_out]
values = relabel(result.values, breakdown, store.territory.isolation_labels)
scope = ctx.describe_filters() + (f" ; établissements de plus de {int(min_pupils)} élèves" if min_pupils else "")
period_text = (f"au {format_date_fr(date_to)}" if date_from == date_to
               else f"du {format_date_fr(date_from)} au {format_date_fr(date_to)}")
st.caption(f"{names[breakdown]} · {period_text} · {scope}")

if breakdown == "site" and not values.empty:
    counts = count_by_value(values)
    latest = counts[counts["snapshot_date"] == counts["snapshot_date"].max()]
    for row in latest.itertuples():
        st.markdown(f"**{row.missing} établissement{'s' if row.missing > 1 else ''} sur {row.sites}** sans valeur "
                    f"ou avec une valeur nulle pour « {labels[row.indicator_id]} » au {format_date_fr(row.snapshot_date)} "
                    f"({scope}).")
    values = filter_by_value(values, which)

table = wide_table(values, shown, breakdown, with_sites=breakdown == "site")
formats = {i.label: unit_format(i.unit) for i in shown} | {"Élèves": "int"}  # screen and download alike
if not shown:
    st.stop()
if values.empty:
    st.info("Aucune valeur pour ce choix.")
elif display == "table":
    view = table.assign(Instantané=table["Instantané"].map(format_date_fr))
    st.dataframe(french_styler(view, formats), hide_index=True, key="explorer-table")
else:
    last = values[values["snapshot_date"] == values["snapshot_date"].max()]
    colors = store.territory.isolation_colors if breakdown == "isolation" else None
    for ind in shown:
        of = values[values["indicator_id"] == ind.id].dropna(subset=["value"])
        if of.empty:
            st.info(f"**{ind.label}** — aucune valeur pour ce choix.")
            continue
        if display == "bars":
            chart = breakdown_chart(last[last["indicator_id"] == ind.id].dropna(subset=["value"]), ind,
                                    names[breakdown], colors=colors)
        elif display == "lines":
            # An académie-wide total's target is no group's, nor a filtered or thresholded series' target.
            whole = breakdown == "total" and not min_pupils
            chart = trend_chart(of, ind, color_by=None if breakdown == "total" else "group_label",
                                show_targets=target_is_level(ind) or (whole and target_applies(ind, ctx.view.filters)),
                                annotations=notes_for(ctx.view.filters.circonscription, ind.id))
        else:
            chart = heatmap_chart(of, ind, names[breakdown])
        draw_chart(chart, key=f"chart-{display}-{ind.id}")

about = ctx.about() | {
    "Indicateurs": " ; ".join(i.label for i in shown),
    "Ventilation": names[breakdown],
    "Période": period_text,
    "Seuil d'élèves": f"plus de {int(min_pupils)} élèves" if min_pupils else "aucun",
}
if breakdown == "site":
    about["Établissements affichés"] = VALUE_FILTERS[which]
download_buttons(table, ["explorateur", breakdown, date_to.isoformat()], about, key="dl-explorer", formats=formats)
