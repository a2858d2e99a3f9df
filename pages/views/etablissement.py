"""Fiche établissement (?uai=…): identity, every site-level indicator with its history, comparisons.

A fiche describes one place: the territorial filters of the sidebar do not apply to it, only the snapshot
date does. Questions: site_directory (the search and the school), indicator_values for the school and the
medians of its isolation class and of its circonscription or bassin.
"""

import pandas as pd
import streamlit as st

from components.chart_text import chart as draw_chart
from components.fiches import (HISTORY_HELP, area_filters, area_of, comparison_export, comparison_table, draw_facts,
                               fiche_heading, linked_subject, search_box, search_index, site_facts,
                               site_history_chart, site_label)
from components.session import indicator_medians, indicator_values, per_data_state, query
from components.shell import context, page_header
from components.tables import download_buttons
from observatoire.metrics.fiche import applies_to_site, site_comparison
from observatoire.model.dates import format_date_fr
from observatoire.model.filters import Filters


@per_data_state(resource=True, max_entries=2)
def site_index(store) -> tuple[list[str], list[str], list[str]]:
    """What the search scans, built once per data state (no selectbox: 60 000 labels cost ~0.5 s a rerun)."""
    sites = query("site_directory", uai=None)
    uais = list(sites["uai"])
    return search_index(uais, [site_label(n, c, u) for u, n, c in
                               zip(uais, sites["name"], sites["commune_name"].fillna(""))])


def linked_site() -> pd.Series | None:
    """The site the URL names (?uai=CODE or its label), else the one last opened in this session."""
    def find(code: str) -> pd.Series | None:
        rows = query("site_directory", uai=code.upper())
        return None if rows.empty else rows.iloc[0]

    def label(site: pd.Series) -> str:
        return site_label(site["name"], site["commune_name"] if pd.notna(site["commune_name"]) else "", site["uai"])

    return linked_subject("uai", find, label, "Aucun établissement ne porte le code UAI « {} » dans ces données : "
                          "cherchez-le par son nom ci-dessus.")


ctx = context()
territory = ctx.store.territory
page_header(ctx, "Fiche établissement")
search_box("uai", "Rechercher un établissement (nom, commune ou UAI)", "Tapez un nom, une commune ou un code UAI",
           site_index(ctx.store), "recherche-etablissement")
site = linked_site()
if site is None:
    st.info("Cherchez un établissement ci-dessus, ou sélectionnez une ligne d'un classement sur une page d'axe.")
    st.stop()
uai = site["uai"]
fiche_heading(site["name"], ctx.store.is_demo)
draw_facts(site_facts(territory, site), per_row=4)
day = ctx.view.snapshot_date
if day is None:
    st.info("Aucun instantané : pas encore de donnée.")
    st.stop()

indicators = [i for i in ctx.catalog.indicators if applies_to_site(i, int(site["degree"]))]
ids = [i.id for i in indicators]
peers_filters, area_filter = Filters(isolation=site["isolation"]), area_filters(site)
comparison = site_comparison(indicators, indicator_values(ids, Filters(), "site", date_to=day, uai=uai),
                             indicator_medians(ids, peers_filters, date_from=day, date_to=day),
                             indicator_medians(ids, area_filter, date_from=day, date_to=day), day)
area, area_name = area_of(site)
area_label = f"{area} {area_name}"
class_label = territory.isolation_labels.get(site["isolation"], site["isolation"])
st.subheader(f"Indicateurs mesurés par établissement, au {format_date_fr(day)}")
st.caption(f"Comparaison avec la médiane des sites de la classe « {class_label} » et de la "
           f"{area_label} (sites ayant une valeur à cet instantané).")
table = comparison_table(indicators, comparison, class_label, area_label)
st.dataframe(table, hide_index=True, key="etablissement-indicateurs", column_config={
    "Historique": st.column_config.LineChartColumn("Historique", help=HISTORY_HELP)})
download_buttons(comparison_export(indicators, comparison, table),
                 ["etablissement", uai, str(day)], {**ctx.about(), "Établissement": f"{site['name']} ({uai})"},
                 key="dl-etablissement")

st.subheader("Historique d'un indicateur")
chosen = st.selectbox("Indicateur", ids, key="etablissement-indicateur",
                      format_func=lambda i: ctx.catalog.indicator(i).label)
if chosen:
    own = indicator_values([chosen], Filters(), "site", uai=uai)
    draw_chart(site_history_chart(territory, site, ctx.catalog.indicator(chosen), own,
                                       indicator_medians([chosen], peers_filters),
                                       indicator_medians([chosen], area_filter), class_label, area_label),
                    key="etablissement-graphique")
