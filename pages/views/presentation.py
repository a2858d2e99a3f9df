"""Présentation au COPIL: full-screen slides with large type that fit the screen, the slide number in the URL
(?slide=3; ?axe=2 opens that axis's slide), a clicker's keys, and a presenter menu (comparison snapshot, chart
images, the deck to hand out). The slides come from observatoire/copil/deck.py, the same as the files.

Questions: those of build_deck (observatoire/copil/deck.py), on the snapshot and filters of the sidebar.
"""

from datetime import date

import streamlit as st

from components import icons
from components.session import per_data_state
from components.shell import context, page_path
from components.slides import CSS, draw_chart_downloads, draw_files, draw_slide, listen_to_clicker
from components.state import bound
from observatoire.copil.deck import Deck, build_deck, default_compare
from observatoire.model.dates import format_date_fr
from observatoire.model.filters import Filters
from observatoire.storage.annotations import stamp as annotation_stamp

SLIDE_KEY, SINCE_KEY = "slide", "depuis"
AXIS_KEY = "axe"            # ?axe=2: the slide of axis 2 (app.py adds it for /axe-2?mode=copil)
OLD_SLIDE_KEY = "diapo"     # links written before ?slide=


@per_data_state(show_spinner="Préparation des diapositives…", max_entries=16)
def slides(store, day, filters: Filters, since, labels: dict, notes_stamp: int) -> Deck:
    """The deck, built once per data state, snapshot, filters, comparison date and state of the annotations."""
    return build_deck(store, day, filters, since, labels)


def _move(step: int, total: int) -> None:
    current = st.session_state.get(SLIDE_KEY) or 1
    st.session_state[SLIDE_KEY] = min(max(current + step, 1), total)


def _open_from_link(deck: Deck, catalog) -> None:
    """?axe=N (an axis page in COPIL mode) or an older ?diapo=N link: the slide it names, in ?slide=."""
    wanted = None
    if OLD_SLIDE_KEY in st.query_params:
        wanted = st.query_params[OLD_SLIDE_KEY]
        del st.query_params[OLD_SLIDE_KEY]
    if AXIS_KEY in st.query_params:
        number = st.query_params[AXIS_KEY]
        del st.query_params[AXIS_KEY]
        keys = [s.key for s in deck.slides]
        axis = next((a for a in catalog.axes if str(a.number) == number and a.id in keys), None)
        wanted = str(keys.index(axis.id) + 1) if axis else wanted
    if wanted and wanted.isdigit() and 1 <= int(wanted) <= len(deck.slides):
        st.session_state[SLIDE_KEY] = int(wanted)
        st.query_params[SLIDE_KEY] = wanted


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

with st.container(key="copil-bar"):
    bar = st.columns([1.2, 0.8, 1.2, 4, 1.8], vertical_alignment="center")
menu = bar[4].popover("Menu présentateur", icon=icons.PRESENTER, width="stretch")
since_text = bound(menu.selectbox, "Comparer avec l'instantané du", options, SINCE_KEY,
                   lambda d: format_date_fr(date.fromisoformat(d)),
                   placeholder="Choisir…", help="« Ce qui a changé depuis le dernier COPIL » compare l'instantané présenté à celui-ci.") \
    if options else None
since = date.fromisoformat(since_text) if since_text else None

deck = slides(ctx.store, day, ctx.view.filters, since, ctx.labels, annotation_stamp(ctx.store.data_dir))
total = len(deck.slides)
_open_from_link(deck, ctx.catalog)
bar[0].button("Précédente", key="copil-precedente", icon=icons.PREVIOUS, on_click=_move, args=(-1, total), width="stretch",
              help="Touche Page précédente ou flèche gauche")
bar[2].button("Suivante", key="copil-suivante", icon=icons.NEXT, on_click=_move, args=(1, total), width="stretch",
              help="Touche Page suivante ou flèche droite (télécommande de présentation)")
number = bound(menu.selectbox, "Aller à la diapositive", list(range(1, total + 1)), SLIDE_KEY,
               str, persist_state=None) or 1
with bar[1].container(key="copil-counter"):
    st.markdown(f"{number} / {total}")
listen_to_clicker()

slide = deck.slides[number - 1]
draw_slide(slide, number, key="copil-graphique")
with menu:
    if slide.charts:
        st.markdown("**Graphiques de cette diapositive**")
        draw_chart_downloads(slide)
    draw_files(deck, (ctx.store.fingerprint, day, ctx.view.filters, since))
    st.page_link(page_path("synthese"), label="Quitter la présentation", icon=icons.QUIT)
