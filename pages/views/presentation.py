"""Présentation au COPIL: full-screen slides with large type, the slide number in the URL, and the deck
to hand out (PowerPoint, PDF). The slides come from observatoire/copil/deck.py, the same as the files.

Questions: those of build_deck (observatoire/copil/deck.py), on the snapshot and filters of the sidebar.
"""

from datetime import date

import streamlit as st

from components import icons
from components.session import per_data_state
from components.shell import context, page_path
from components.slides import CSS, draw_files, draw_slide
from components.state import bound
from observatoire.copil.deck import Deck, build_deck, default_compare
from observatoire.model.dates import format_date_fr
from observatoire.model.filters import Filters

SLIDE_KEY, SINCE_KEY = "diapo", "depuis"


@per_data_state(show_spinner="Préparation des diapositives…", max_entries=16)
def slides(store, day, filters: Filters, since, labels: dict) -> Deck:
    """The deck, built once per data state, snapshot, filters and comparison date."""
    return build_deck(store, day, filters, since, labels)


def _move(step: int, total: int) -> None:
    current = st.session_state.get(SLIDE_KEY) or 1
    st.session_state[SLIDE_KEY] = min(max(current + step, 1), total)


ctx = context()
st.markdown(CSS, unsafe_allow_html=True)
day = ctx.view.snapshot_date
if day is None:
    st.title("Présentation au COPIL")
    st.info("Aucun instantané : rien à présenter.")
    st.stop()

earlier = [d for d in ctx.store.snapshot_dates if d < day]
options = [d.isoformat() for d in sorted(earlier, reverse=True)]
# A link naming no earlier snapshot (bound() takes it out of the URL) compares with the default, not silently
# with the latest snapshot.
if SINCE_KEY not in st.session_state and SINCE_KEY not in st.query_params and earlier:
    st.session_state[SINCE_KEY] = default_compare(ctx.store.snapshot_dates, day).isoformat()

bar = st.columns([1, 1, 1, 1.2, 3, 1.6], vertical_alignment="center")
since_text = bound(bar[4].selectbox, "Comparer avec l'instantané du", options, SINCE_KEY,
                   lambda d: format_date_fr(date.fromisoformat(d)),
                   placeholder="Choisir…", help="« Ce qui a changé depuis le dernier COPIL » compare l'instantané présenté à celui-ci.") \
    if options else None
since = date.fromisoformat(since_text) if since_text else None

deck = slides(ctx.store, day, ctx.view.filters, since, ctx.labels)
total = len(deck.slides)
bar[0].button("Précédente", key="copil-precedente", icon=icons.PREVIOUS, on_click=_move, args=(-1, total), width="stretch")
bar[2].button("Suivante", key="copil-suivante", icon=icons.NEXT, on_click=_move, args=(1, total), width="stretch")
number = bound(bar[3].selectbox, "Diapositive", list(range(1, total + 1)), SLIDE_KEY, str,
               label_visibility="collapsed", persist_state=None) or 1
with bar[1].container(key="copil-counter"):
    st.markdown(f"{number} / {total}")
bar[5].page_link(page_path("synthese"), label="Quitter la présentation", icon=icons.QUIT)

draw_slide(deck.slides[number - 1], number, key="copil-graphique")
st.divider()
draw_files(deck, (ctx.store.fingerprint, day, ctx.view.filters, since))
