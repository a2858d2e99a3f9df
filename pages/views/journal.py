"""Journal d'audit: who signed in, imported, deleted or restored a snapshot, exported, queried the console.

For administrators only (app.py refuses the page to anyone else). Reads the JSON lines file the actions
append to (observatoire/access/audit.py), newest first.
"""

import pandas as pd
import streamlit as st

from components.shell import context, page_header
from components.tables import download_buttons
from observatoire.access.audit import ACTIONS, read
from observatoire.settings import audit_file

ctx = context()
page_header(ctx, "Journal d'audit")
path = audit_file(ctx.store.data_dir)
events = read(path)
st.markdown(f"Fichier : `{path}` (une ligne JSON par événement) — {len(events)} derniers événements, "
           "du plus récent au plus ancien.")
if not events:
    st.info("Aucun événement enregistré pour l'instant.")
    st.stop()
table = pd.DataFrame({
    "Date (UTC)": [e.get("at", "") for e in events],
    "Qui": [e.get("who", "") for e in events],
    "Action": [ACTIONS.get(e.get("action"), e.get("action", "")) for e in events],
    "Sur quoi": [e.get("what") if isinstance(e.get("what"), str) else
                 " ; ".join(f"{k} : {v}" for k, v in (e.get("what") or {}).items()) for e in events],
})
chosen = st.multiselect("Actions", list(ACTIONS.values()), key="journal-actions", placeholder="Toutes les actions")
if chosen:
    table = table[table["Action"].isin(chosen)]
st.dataframe(table, hide_index=True, key="journal-table")
download_buttons(table, ["journal-audit"], ctx.about(), key="dl-journal")
