"""Qualité des données: who has not reported what, stale indicators, values to check, snapshot manifests."""

import pandas as pd
import streamlit as st

from observatoire.output.charts import missing_heatmap
from components.chart_text import chart as draw_chart
from components.session import query
from components.shell import context, page_header
from components.tables import download_buttons, french_styler
from observatoire.output.numbers import format_number, format_timestamp
from observatoire.model.catalog import LEVELS
from observatoire.model.dates import format_date_fr
from observatoire.settings import setting
from observatoire.storage.snapshots import list_archived, list_snapshots


def _date(value) -> str:
    return format_date_fr(value) if pd.notna(value) else "jamais"


ctx = context()
page_header(ctx, "Qualité des données")
day = ctx.view.snapshot_date
if day is None:
    st.info("Aucun instantané : rien à contrôler.")
    st.stop()
params = ctx.view.filters.params()
site_indicators = [i for i in ctx.catalog.indicators if i.level == "site"]
chosen = st.selectbox("Indicateur", [None, *(i.id for i in site_indicators)], key="qualite_indicateur",
                      format_func=lambda v: "Tous les indicateurs par établissement" if v is None else ctx.catalog.indicator(v).label)
ids = [chosen] if chosen else []

st.subheader("Données manquantes par circonscription et bassin")
st.caption("Part des valeurs attendues (établissements ouverts × indicateurs relevés à cet instantané) qui manquent.")
by_area = query("quality_missing_by_area", indicator_ids=ids, **params)
if by_area.empty:
    st.info("Aucune valeur attendue pour ces filtres.")
else:
    draw_chart(missing_heatmap(by_area), key="qualite_heatmap")

missing = query("quality_missing_sites", snapshot_date=day, indicator_ids=ids, **params)
st.markdown(f"**{len(missing)} valeur(s) manquante(s) le {format_date_fr(day)}**")
if len(missing):
    table = pd.DataFrame({
        "Circonscription / bassin": missing["area_name"], "UAI": missing["uai"], "Établissement": missing["site_name"],
        "Commune": missing["commune_name"], "Indicateur": missing["label"],
        "Dernière valeur": missing["last_reported_date"].map(_date),
    })
    st.dataframe(table, hide_index=True, key="qualite_manquants")
    download_buttons(table, ["qualite", "manquants", str(day)], ctx.about(), key="dl-qualite-manquants")

st.subheader("Indicateurs sans valeur à cet instantané")
stale = query("quality_stale_indicators", snapshot_date=day)
if stale.empty:
    st.success("Tous les indicateurs ont au moins une valeur à cet instantané.")
else:
    st.dataframe(pd.DataFrame({
        "Indicateur": stale["label"], "Source": stale["source"], "Niveau": stale["level"].map(LEVELS),
        "Dernière valeur": stale["last_reported_date"].map(_date),
        "Instantanés sans valeur": stale["snapshots_without_data"],
    }), hide_index=True, key="qualite_perimes")

st.subheader("Valeurs à vérifier")
factor = float(setting("import_jump_factor"))
st.caption(f"Saut de plus de x{factor:g} depuis la valeur précédente, taux au-delà de 100 %, ou valeur très au-dessus "
           "de celles des autres entités (au-delà du 3e quartile + 3 écarts interquartiles).")
outliers = query("quality_outliers", snapshot_date=day, factor=factor, **params)
if outliers.empty:
    st.success("Aucune valeur atypique.")
else:
    shown = pd.DataFrame({
        "Indicateur": outliers["label"], "Entité": outliers["entity_name"], "Code": outliers["entity_id"],
        "Constat": outliers["reason"], "Valeur": outliers["measure"], "Valeur précédente": outliers["previous_measure"],
        "Date précédente": outliers["previous_date"].map(_date),
    })
    st.dataframe(french_styler(shown, {"Valeur": "num", "Valeur précédente": "num"}), hide_index=True,
                 key="qualite_atypiques")

st.subheader("Manifeste de l'instantané")
info = next((s for s in list_snapshots(ctx.store.data_dir) if s.snapshot_date == day), None)
if info is None:
    st.info("Instantané introuvable.")
else:
    m = info.manifest
    st.markdown(f"Instantané du **{format_date_fr(day)}**, version {m.get('version', 1)}, {format_number(info.rows)} faits, "
                f"créé le {format_timestamp(m.get('created_at'))} (programme {m.get('program_version', '?')}). "
                f"Somme de contrôle des faits : `{m.get('files', {}).get('facts.parquet', {}).get('sha256', '?')}`.")
    sources = m.get("sources", [])
    if sources:
        st.dataframe(french_styler(pd.DataFrame([{
            "Source": s.get("name"), "Format": s.get("format") or s.get("kind") or "—", "Lignes": s.get("rows"),
            "Faits": s.get("facts"), "Importé le": format_timestamp(s.get("imported_at")),
            "sha256": s.get("sha256") or "—",
        } for s in sources]), {"Lignes": "int", "Faits": "int"}), hide_index=True, key="qualite_sources")
    warnings = m.get("warnings", [])
    if warnings:
        with st.expander(f"{len(warnings)} avertissement(s) gardé(s) à l'import"):
            for text in warnings:
                st.markdown(f"- {text}")
    else:
        st.caption("Aucun avertissement à l'import.")
    archived = list_archived(ctx.store.data_dir, day)
    if archived:
        st.markdown("Versions archivées (restaurables avec `observatoire snapshots --restore`) : " + ", ".join(
            f"version {v.version} ({'supprimée' if v.reason == 'deleted' else 'remplacée'} le "
            f"{format_timestamp(v.archived_at)})" for v in archived))
