"""Carte du territoire: communes coloured by an indicator or a coverage rate, every site, and the coverage panel.

Questions: site_points (the sites and their coverage), coverage_by_group (per isolation class over time, and
per commune or zone), indicator_values (an indicator per commune or zone).
"""

import pandas as pd
import streamlit as st

from components.chart_text import chart as draw_chart
from components.chart_export import chart_downloads
from components.coverage import coverage_gap, coverage_table
from components.maps import (AGGREGATE_ABOVE, clicked, collection_bounds, color_bins, fit_view, legend_html, map_table,
                             simplify_boundaries, territory_deck)
from components.session import indicator_values, per_data_state, query
from components.shell import context, page_header, page_path
from observatoire.metrics.coverage import query_params, services_for, with_shares
from observatoire.model.catalog import SCOPES
from observatoire.model.dates import format_date_fr
from observatoire.model.filters import not_broken_down
from observatoire.output.charts import coverage_chart, gap_chart
from observatoire.output.numbers import format_number

MAP_KEY = "carte_map"
OPEN_UAI = "carte_open_uai"
COVERAGE = "couverture"


@per_data_state(max_entries=4)
def boundaries(store) -> tuple[dict, tuple]:
    """Simplified boundaries and the initial view (latitude, longitude, zoom)."""
    light = simplify_boundaries(store.territory.boundaries)
    view = fit_view(collection_bounds(light))
    return light, (view.latitude, view.longitude, view.zoom)


# cache_resource keeps the same deck, so its JSON is written once: with tens of thousands of sites it was most
# of a rerun.
@per_data_state(resource=True, max_entries=4)
def coverage_map(store, day, filters, service_id: str, commune_values: pd.DataFrame, bins, value_label: str,
                 unit: str, basemap: bool, selected: str | None, click_hint: str):
    """The map and its site count, per data state and view."""
    service = {s.id: s for s in services_for(store.catalog)}[service_id]
    points = query("site_points", snapshot_date=day, **query_params(service, store.catalog), **filters.params())
    shapes, view = boundaries(store)
    territory = store.territory
    return territory_deck(shapes, view, commune_values, points, territory.isolation_labels,
                          territory.isolation_colors, store.catalog.indicator(service.indicator_id), bins,
                          value_label, unit, selected, basemap, click_hint)


def _on_click() -> None:
    """Map click, run before the rerun: a commune sets the global filter, a site asks for its fiche.

    Being a callback, it may still set the commune filter, a widget that app.py draws before the page.
    """
    hit = clicked(st.session_state.get(MAP_KEY))
    if hit is None:
        return
    kind, code = hit
    if kind in ("commune", "zone"):
        st.session_state[kind] = code
    else:
        st.session_state[OPEN_UAI] = code


ctx = context()
store, territory, catalog = ctx.store, ctx.store.territory, ctx.catalog
wanted_uai = st.session_state.pop(OPEN_UAI, None)
if wanted_uai:
    fiche = page_path("etablissement")
    if fiche.exists():
        st.switch_page(fiche, query_params={"uai": wanted_uai})
    st.info(f"La fiche établissement n'est pas encore disponible (UAI {wanted_uai}).")

page_header(ctx, "Carte du territoire")
day, filters = ctx.view.snapshot_date, ctx.view.filters
if day is None:
    st.stop()

services = services_for(catalog)
if not services:
    st.info("Cette feuille de route ne déclare aucun service dont mesurer la couverture "
            "(section [[services]] de roadmap.toml).")
    st.stop()
by_id = {s.id: s for s in services}
mappable = [i for i in catalog.indicators if i.level in ("site", "commune")]
labels = {COVERAGE: "Taux de couverture du service choisi", **{i.id: i.label for i in mappable}}
controls = st.columns([4, 4, 3], vertical_alignment="bottom")
service = by_id[controls[0].selectbox("Service", list(by_id), format_func=lambda s: by_id[s].label,
                                      key="carte_service",
                                      help="Le service dont la carte et le panneau mesurent la couverture.")]
# The shapes drawn: communes, or the zones (départements…) of a territory with too many communes to draw.
by_zone = territory.boundaries_level == "zone"
area = territory.zone_label.lower() if by_zone else "commune"
shown = controls[1].selectbox(f"Colorer les {'zones' if by_zone else 'communes'} selon", list(labels), format_func=labels.get, key="carte_couleur")
basemap = controls[2].toggle("Fond de carte (en ligne)", value=False, key="carte_fond",
                             help="Ajoute un fond de carte téléchargé depuis Internet ; "
                                  "sans lui, la carte fonctionne hors connexion.")

params = query_params(service, catalog)
snapshots = [d for d in store.snapshot_dates if d <= day]
coverage = with_shares(query("coverage_by_group", breakdown="isolation", date_from=snapshots[0], date_to=day,
                             **params, **filters.params()))

# Commune colours: the coverage rate (ratio of sums of sites) or an indicator rolled up per commune.
if shown == COVERAGE:
    per_commune = with_shares(query("coverage_by_group", breakdown=territory.boundaries_level, date_from=day, date_to=day,
                                    **params, **filters.params()))
    commune_values = per_commune.rename(columns={"sites_covered_share": "value"})[["group_id", "value"]]
    unit, value_label = "rate", f"Établissements couverts ({service.label})"
else:
    indicator = catalog.indicator(shown)
    unit, value_label = indicator.unit, indicator.label
    reason = not_broken_down(indicator, filters)
    if reason:
        st.info(reason)
        commune_values = pd.DataFrame(columns=["group_id", "value"])
    else:
        commune_values = indicator_values([shown], filters, breakdown=territory.boundaries_level, date_from=day,
                                          date_to=day)
bins = color_bins(commune_values["value"], unit)

service_indicator = catalog.indicator(service.indicator_id)
deck, site_count = coverage_map(store, day, filters, service.id, commune_values, bins, value_label, unit,
                                basemap, filters.zone if by_zone else filters.commune,
                                f"Cliquer pour filtrer sur ce {area}" if by_zone else "Cliquer pour filtrer sur cette commune")

left, middle, right = st.columns([11, 3, 8])
with left:
    st.pydeck_chart(deck, height=620, on_select=_on_click, selection_mode="single-object", key=MAP_KEY)
    st.caption(f"{format_number(site_count)} établissements · cliquer sur "
               f"{f'un {area}' if by_zone else 'une commune'} y restreint toute "
               "l'application ; cliquer sur un établissement ouvre sa fiche.")
    # The map's text alternative: what its colours say, shape by shape (the sites are in the coverage panel).
    with st.expander("Données de la carte", expanded=False):
        areas = map_table(commune_values, ctx.labels.get(territory.boundaries_level, {}), bins, area, value_label, unit)
        st.caption(f"Carte des {'zones' if by_zone else 'communes'} colorées selon « {value_label} » : "
                   f"{format_number(len(areas))} {'zone' if by_zone else 'commune'}{'s' if len(areas) > 1 else ''} "
                   f"avec une valeur, de la plus forte à la plus faible ; {format_number(site_count)} établissements "
                   "placés (leur couverture est dans le panneau « Couverture »).")
        if len(areas):
            st.table(areas, hide_index=True)
with middle:
    st.markdown(legend_html(labels[shown] if shown != COVERAGE else value_label, bins,
                            territory.isolation_labels, territory.isolation_colors, service.label,
                            aggregated=site_count > AGGREGATE_ABOVE),
                unsafe_allow_html=True)

with right:
    st.subheader(f"Couverture : {service.label}")
    scope = SCOPES[service_indicator.scope]
    st.caption(f"Un établissement est couvert quand il compte {service.covered_when}, à l'instantané du "
               f"{format_date_fr(day)}. Champ : {scope} ouverts, {ctx.describe_filters()}.")
    now = coverage[pd.to_datetime(coverage["snapshot_date"]).dt.date == day]
    if now.empty or now["sites_total"].sum() == 0:
        st.info("Aucun établissement de ce champ dans le périmètre choisi.")
    else:
        iso_labels = territory.isolation_labels
        table = coverage_table(now, iso_labels)
        # An HTML table: its headers wrap in the narrow panel, where a grid cut the last column at 1 440 px.
        st.table(table, hide_index=True)
        st.caption("Couverts : établissements couverts sur établissements du champ.")
        urban, isolated = list(iso_labels)[0], list(iso_labels)[-1]
        gaps, gap_now, change = coverage_gap(coverage, urban, isolated)
        st.metric(f"Écart {iso_labels[isolated].lower()} – {iso_labels[urban].lower()} (part des établissements)",
                  gap_now, delta=change,
                  help=f"Part couverte des établissements « {iso_labels[isolated]} » moins celle des établissements "
                       f"« {iso_labels[urban]} » ; négatif : les premiers sont en retard. Variation depuis "
                       "l'instantané précédent.")
        trend = coverage_chart(coverage, territory.isolation_colors, iso_labels,
                               "Part des établissements couverts, par classe")
        draw_chart(trend, key="carte_tendance")
        chart_downloads(trend, f"couverture-{service.id}", key="carte_tendance-export")
        if gaps["gap"].notna().any():
            in_points = gaps.dropna().assign(gap=lambda g: g["gap"] * 100)
            gap_plot = gap_chart(in_points, f"Écart {iso_labels[isolated].lower()} – {iso_labels[urban].lower()} "
                                            "à chaque instantané", "points", ",.1f")
            draw_chart(gap_plot, key="carte_ecart")
            chart_downloads(gap_plot, f"ecart-{service.id}", key="carte_ecart-export")
