"""Carte du territoire: communes coloured by an indicator or a coverage rate, every site, and the coverage panel."""

import pandas as pd
import pydeck as pdk
import streamlit as st

from components.chart_export import chart_downloads
from components.charts import coverage_chart, gap_chart
from components.maps import (clicked, collection_bounds, color_bins, fit_view, legend_html, map_deck,
                             simplify_boundaries, site_frame)
from components.session import get_store, indicator_values, query
from components.shell import context, page_header, page_path
from observatoire.metrics.coverage import isolation_gap, query_params, services_for, with_shares
from observatoire.model.dates import format_date_fr
from observatoire.model.catalog import SCOPES
from observatoire.model.filters import SITE_TYPE_LABELS, not_broken_down
from observatoire.output.numbers import format_number, format_percent, format_points

MAP_KEY = "carte_map"
OPEN_UAI = "carte_open_uai"
COVERAGE = "couverture"


@st.cache_data(show_spinner=False, max_entries=4)
def _boundaries(state: str) -> tuple[dict, tuple]:
    """Simplified boundaries and the initial view, computed once per data state."""
    light = simplify_boundaries(get_store().territory.boundaries)
    view = fit_view(collection_bounds(light))
    return light, (view.latitude, view.longitude, view.zoom)


@st.cache_resource(show_spinner=False, max_entries=4)
def _deck(state: str, day, filters, service_id: str, commune_values: pd.DataFrame, bins, value_label: str,
          unit: str, basemap: bool, selected: str | None, click_hint: str):
    """The map and its site count, built and serialised once per data state and view (cache_resource keeps
    the same deck, so its JSON is written once: with tens of thousands of sites it was most of a rerun)."""
    store = get_store()
    territory, catalog = store.territory, store.catalog
    service = {s.id: s for s in services_for(catalog)}[service_id]
    points = query("site_points", snapshot_date=day, **query_params(service, catalog), **filters.params())
    service_indicator = catalog.indicator(service.indicator_id)
    sites = site_frame(points, territory.isolation_labels, territory.isolation_colors, service_indicator.label,
                       service_indicator.unit, SITE_TYPE_LABELS)
    boundaries, (lat, lon, zoom) = _boundaries(state)
    view = pdk.ViewState(latitude=lat, longitude=lon, zoom=zoom, min_zoom=4, max_zoom=14)
    deck = map_deck(boundaries, commune_values, sites, bins, value_label, unit, view, selected_commune=selected,
                    basemap=basemap, click_hint=click_hint)
    deck.to_json()
    return deck, len(sites)


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
controls = st.columns([2, 2, 1], vertical_alignment="bottom")
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
deck, site_count = _deck(store.fingerprint, day, filters, service.id, commune_values, bins, value_label, unit,
                         basemap, filters.zone if by_zone else filters.commune,
                         f"Cliquer pour filtrer sur ce {area}" if by_zone else "Cliquer pour filtrer sur cette commune")

left, middle, right = st.columns([11, 3, 8])
with left:
    st.pydeck_chart(deck, height=620, on_select=_on_click, selection_mode="single-object", key=MAP_KEY)
    st.caption(f"{format_number(site_count)} établissements · cliquer sur "
               f"{f'un {area}' if by_zone else 'une commune'} filtre toute "
               "l'application sur elle ; cliquer sur un établissement ouvre sa fiche.")
with middle:
    st.markdown(legend_html(labels[shown] if shown != COVERAGE else value_label, bins,
                            territory.isolation_labels, territory.isolation_colors, service.label),
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
        order = [c for c in iso_labels if c in set(now["group_id"])]
        now = now.set_index("group_id").loc[order]
        table = pd.DataFrame({
            "Classe": [iso_labels[c] for c in order],
            "Couverts": [f"{format_number(r.sites_covered)} sur {format_number(r.sites_total)}"
                         for r in now.itertuples()],
            "Part des établissements": [format_percent(v) for v in now["sites_covered_share"]],
            "Part des élèves": [format_percent(v) for v in now["pupils_covered_share"]],
        })
        st.dataframe(table, hide_index=True, key="carte_couverture", width="stretch",
                     column_config={"Couverts": st.column_config.TextColumn(help="Établissements couverts sur "
                                                                                 "établissements du champ")})
        urban, isolated = list(iso_labels)[0], list(iso_labels)[-1]
        gaps = isolation_gap(coverage, low=isolated, high=urban)
        gap_now = gaps["gap"].iloc[-1] if len(gaps) else None
        previous = gaps["gap"].iloc[-2] if len(gaps) > 1 else None
        change = None if previous is None or pd.isna(previous) or pd.isna(gap_now) else gap_now - previous
        st.metric(f"Écart {iso_labels[isolated].lower()} – {iso_labels[urban].lower()} (part des établissements)",
                  format_points(gap_now) if gap_now is not None and not pd.isna(gap_now) else "—",
                  delta=format_points(change).replace("−", "-") if change is not None else None,
                  help=f"Part couverte des établissements « {iso_labels[isolated]} » moins celle des établissements "
                       f"« {iso_labels[urban]} » ; négatif : les premiers sont en retard. Variation depuis "
                       "l'instantané précédent.")
        trend = coverage_chart(coverage, territory.isolation_colors, iso_labels,
                               "Part des établissements couverts, par classe")
        st.altair_chart(trend, key="carte_tendance")
        chart_downloads(trend, f"couverture-{service.id}", key="carte_tendance-export")
        if gaps["gap"].notna().any():
            in_points = gaps.dropna().assign(gap=lambda g: g["gap"] * 100)
            gap_plot = gap_chart(in_points, f"Écart {iso_labels[isolated].lower()} – {iso_labels[urban].lower()} "
                                            "à chaque instantané", "points", ",.1f")
            st.altair_chart(gap_plot, key="carte_ecart")
            chart_downloads(gap_plot, f"ecart-{service.id}", key="carte_ecart-export")
