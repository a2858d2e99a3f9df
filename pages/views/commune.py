"""Fiche commune (?code=INSEE): its sites, its commune-level indicators, its sites' indicators rolled up.

A fiche describes one place: the territorial filters of the sidebar do not apply to it, only the snapshot
date does. Opened without ?code=, it shows the commune chosen in the global "commune" filter, if any.
Questions: site_directory (the commune's sites), indicator_values for the commune and for the académie.
"""

import pandas as pd
import streamlit as st

from components.fiches import (HISTORY_HELP, commune_facts, commune_label, commune_tables, draw_facts, fiche_heading,
                               linked_subject, open_fiche, search_box, search_index, site_label, site_listing)
from components.session import indicator_values, per_data_state, query
from components.shell import context, page_header
from components.tables import download_buttons, french_styler, screen_rows
from observatoire.model.dates import format_date_fr
from observatoire.model.filters import Filters


@per_data_state(resource=True, max_entries=2)
def commune_index(store) -> tuple[list[str], list[str], list[str]]:
    """What the search scans, by name, built once per data state."""
    communes = store.territory.communes.sort_values("name")
    codes = list(communes["insee"])
    return search_index(codes, [commune_label(n, c) for n, c in zip(communes["name"], codes)])


ctx = context()
territory = ctx.store.territory
communes = territory.communes
page_header(ctx, "Fiche commune")
search_box("code", "Rechercher une commune (nom ou code INSEE)", "Tapez un nom ou un code INSEE",
           commune_index(ctx.store), "recherche-commune")


def find(code: str) -> pd.Series | None:
    rows = communes[communes["insee"] == code.upper()]
    return None if rows.empty else rows.iloc[0]


commune = linked_subject("code", find, lambda c: commune_label(c["name"], c["insee"]),
                         "Aucune commune ne porte le code INSEE « {} » dans ces données : "
                         "cherchez-la par son nom ci-dessus.",
                         fallback=ctx.view.filters.commune)
if commune is None:
    st.info("Cherchez une commune ci-dessus (ou choisissez-la dans le filtre « Commune » de la barre latérale).")
    st.stop()
code = commune["insee"]
fiche_heading(commune["name"], ctx.store.is_demo)
directory = query("site_directory", uai=None)
sites = directory[directory["commune_code"] == code].reset_index(drop=True)
facts = commune_facts(territory, commune, sites)
draw_facts(facts, per_row=len(facts))
day = ctx.view.snapshot_date
if day is None:
    st.info("Aucun instantané : pas encore de donnée.")
    st.stop()
about = {**ctx.about(), "Commune": f"{commune['name']} ({code})"}

st.subheader(f"Indicateurs de la commune, au {format_date_fr(day)}")
st.caption("Indicateurs mesurés par commune (par exemple les subventions d'équipement), puis indicateurs "
           "des établissements de la commune agrégés selon leur règle (somme, rapport des sommes).")
indicators = [i for i in ctx.catalog.indicators if i.level in ("commune", "site")]
ids = [i.id for i in indicators]
table, export = commune_tables(indicators, indicator_values(ids, Filters(commune=code), "total", date_to=day),
                               indicator_values(ids, Filters(), "total", date_from=day, date_to=day), day)
st.dataframe(table, hide_index=True, key="commune-indicateurs", column_config={
    "Historique": st.column_config.LineChartColumn("Historique", help=HISTORY_HELP)})
download_buttons(export, ["commune", code, "indicateurs", str(day)], about, key="dl-commune-indicateurs")

st.subheader(f"Établissements de la commune ({len(sites)})")
if sites.empty:
    st.info("Aucun établissement dans cette commune.")
    st.stop()
listing = site_listing(territory, sites)
shown, cut = screen_rows(listing)
st.caption("Sélectionnez une ligne pour ouvrir la fiche de l'établissement." + cut)
event = st.dataframe(french_styler(shown, {"Élèves": "int"}), hide_index=True, key="commune-sites",
                     on_select="rerun", selection_mode="single-row")
open_fiche(event, shown, "UAI", "etablissement", "uai",
           lambda uai: site_label(*sites.loc[sites["uai"] == uai, ["name", "commune_name"]].iloc[0], uai))
download_buttons(listing, ["commune", code, "etablissements", str(day)], about, key="dl-commune-sites")
