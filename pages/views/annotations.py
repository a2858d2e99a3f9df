"""Décisions et annotations: the decision log — dated notes tied to an indicator (or the whole roadmap) and a
circonscription (or the whole territory) — listed, and a form to add one. The same file as `observatoire
annotate` (observatoire/storage/annotations.py); the notes appear on the trend charts and in the COPIL deck."""

from datetime import date

import pandas as pd
import streamlit as st

from components import icons
from components.shell import context, page_header
from observatoire.errors import ValidationError
from observatoire.model.dates import format_date_fr
from observatoire.storage.annotations import Annotation, add_annotation, annotations_path, check, read_annotations

WHOLE_ROADMAP, WHOLE_TERRITORY = "Toute la feuille de route", "Tout le territoire"

ctx = context()
page_header(ctx, "Décisions et annotations")
st.markdown("Décisions du COPIL, pannes, lancements de programmes : chaque note datée apparaît sur les courbes "
           "de l'indicateur concerné (ou de tous), dans la présentation au COPIL et dans le diaporama distribué "
           "(« Ce qui a changé » les cite). Ligne de commande : `observatoire annotate`.")
indicators = {i.id: i.label for i in ctx.catalog.indicators}
circonscriptions = ctx.labels.get("circonscription", {})

with st.form("annotation-form", clear_on_submit=True):
    left, right = st.columns(2)
    day = left.date_input("Date", value=ctx.view.snapshot_date or date.today(), format="DD/MM/YYYY", key="note-date")
    author = right.text_input("Auteur", key="note-auteur", placeholder="Par exemple : DRANE, COPIL")
    text = st.text_area("Note", key="note-texte", max_chars=500,
                        placeholder="Par exemple : décision du COPIL de déployer l'ENT dans les écoles du fleuve")
    left, right = st.columns(2)
    indicator = left.selectbox("Indicateur", [None, *indicators], key="note-indicateur",
                               format_func=lambda i: WHOLE_ROADMAP if i is None else indicators[i])
    scope = right.selectbox("Périmètre", [None, *circonscriptions], key="note-circonscription",
                            format_func=lambda c: WHOLE_TERRITORY if c is None else f"Circonscription {circonscriptions[c]}")
    if st.form_submit_button("Enregistrer l'annotation", icon=icons.SAVE):
        note = Annotation(day, text, indicator, scope, author)
        problems = check(note, indicators, circonscriptions)
        if problems:
            st.error("Annotation non enregistrée : " + " ; ".join(problems) + ".")
        else:
            saved = add_annotation(ctx.store.data_dir, note)
            st.success(f"Annotation enregistrée : {saved.sentence()}")

try:
    notes = read_annotations(ctx.store.data_dir)
except ValidationError as exc:
    st.error(f"Le journal des décisions `{annotations_path(ctx.store.data_dir)}` ne se lit pas : "
             + " ; ".join(exc.problems) + ". Les courbes et les diapositives l'ignorent tant qu'il n'est pas corrigé.")
    st.stop()
st.subheader(f"Journal ({len(notes)} note{'s' if len(notes) > 1 else ''})", anchor=False)
if not notes:
    st.info("Aucune annotation pour l'instant : ajoutez la première ci-dessus.")
else:
    st.dataframe(pd.DataFrame({
        "Date": [format_date_fr(n.day) for n in reversed(notes)],
        "Note": [n.text for n in reversed(notes)],
        "Indicateur": [indicators.get(n.indicator_id, n.indicator_id) if n.indicator_id else WHOLE_ROADMAP
                       for n in reversed(notes)],
        "Périmètre": [f"Circonscription {circonscriptions.get(n.circonscription, n.circonscription)}"
                      if n.circonscription else WHOLE_TERRITORY for n in reversed(notes)],
        "Auteur": [n.author or "—" for n in reversed(notes)],
        "Saisie le": [n.created_at.replace("T", " ")[:16] + " UTC" if n.created_at else "—" for n in reversed(notes)],
    }), hide_index=True, width="stretch", key="note-journal")
