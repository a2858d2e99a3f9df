"""Données: the roadmap's catalog of indicators and the snapshots held."""

import pandas as pd
import streamlit as st

from components.session import query
from components.shell import context, page_header
from components.tables import download_buttons, french_styler
from observatoire.model.catalog import DIRECTIONS, LEVELS, ROLLUPS, SCOPES, TEMPORALITIES, UNITS
from observatoire.model.dates import format_date_fr

ctx = context()
page_header(ctx, "Catalogue des indicateurs et instantanés")
year = ctx.view.school_year

catalog = query("catalog_status")
table = pd.DataFrame({
    "Axe": catalog["axis_id"].map({a.id: f"Axe {a.number}" for a in ctx.catalog.axes}),
    "Objectif opérationnel": catalog["objective_title"],
    "Indicateur": catalog["label"],
    "Ligne de la feuille de route": catalog["roadmap_line"],
    "Définition": catalog["definition"],
    "Unité": catalog["unit"].map(UNITS),
    "Niveau de mesure": catalog["level"].map(LEVELS),
    "Agrégation": catalog["rollup"].map(ROLLUPS),
    "Temporalité": catalog["temporality"].map(TEMPORALITIES),
    "Périmètre": catalog["scope"].map(SCOPES),
    "Source": catalog["source"],
    "Sens": catalog["direction"].map(DIRECTIONS),
    "Cible illustrative": catalog["targets_illustrative"].map({True: "oui", False: "non"}),
    "Dernière donnée": catalog["last_snapshot_date"].map(lambda d: format_date_fr(d) if pd.notna(d) else "aucune"),
    "Comment il est calculé": catalog["indicator_id"].map(lambda i: ctx.catalog.indicator(i).how_computed()),
    "Identifiant": catalog["indicator_id"],
})
st.subheader(f"{len(table)} indicateurs de la feuille de route")
st.dataframe(table, hide_index=True, key="catalogue")
download_buttons(table, ["donnees", "catalogue", ctx.catalog.id], ctx.about(), key="dl-catalogue")
chosen = st.selectbox("Comment un indicateur est calculé", ctx.catalog.ids, key="catalogue-calcul",
                      format_func=lambda i: ctx.catalog.indicator(i).label)
st.markdown(ctx.catalog.indicator(chosen).how_computed())

st.subheader("Instantanés")
snaps = query("snapshot_list")
shown = pd.DataFrame({
    "Date": snaps["snapshot_date"].map(format_date_fr),
    "Année scolaire": snaps["school_year"],
    "Faits": snaps["fact_rows"],
    "Démonstration": snaps["is_demo"].map({True: "oui", False: "non"}),
})
st.dataframe(french_styler(shown, {"Faits": "int"}), hide_index=True, key="instantanes")

st.subheader("Territoire")
st.markdown(
    f"{len(ctx.store.territory.communes)} communes, {len(ctx.store.territory.circonscriptions)} circonscriptions "
    f"et {len(ctx.store.territory.bassins)} bassins (découpage de démonstration : les listes réelles ne sont pas publiques). "
    "Contours des communes : IGN Admin Express, Licence Ouverte 2.0, géométries simplifiées."
)
