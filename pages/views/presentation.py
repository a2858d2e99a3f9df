"""Présentation au COPIL: full-screen slides with large type, the slide number in the URL, and the deck
to hand out (PowerPoint, PDF). The slides come from observatoire/copil/deck.py, the same as the files."""

import html
from datetime import date

import streamlit as st

from components.chart_export import chart_downloads
from components.session import get_store
from components.shell import context, page_path
from components.state import _bound, canonical_link
from observatoire.copil.deck import Deck, build_deck, default_compare, typeset
from observatoire.copil.export import PPTX_MIME, render_charts, to_pdf, to_pptx
from observatoire.model.dates import format_date_fr
from observatoire.model.filters import Filters

SLIDE_KEY, SINCE_KEY, FILES_KEY = "diapo", "depuis", "copil-fichiers"
STACKED_PLOT_HEIGHT = 140   # px, each of two charts on one slide (1080 px screen)
# Only on this page: no sidebar (nor its expand arrow) and no top bar, which would cover the demo notice;
# the whole width, large type inside the slide, which fills the screen so that the deck files sit below
# the fold; small chart download buttons.
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarCollapseButton"], [data-testid="stSidebarNav"], [data-testid="stHeader"] {display: none !important;}
[data-testid="stMainBlockContainer"] {max-width: 100%; padding: 1rem 3rem 1rem 3rem;}
.st-key-copil-slide {min-height: calc(100vh - 19rem);}
.st-key-copil-slide h1 {font-size: 2.9rem; line-height: 1.15; color: #000091;}
.st-key-copil-slide p, .st-key-copil-slide li {font-size: 1.5rem; line-height: 1.45;}
.st-key-copil-slide .copil-subtitle p {font-size: 1.25rem; color: #555;}
.st-key-copil-slide button p {font-size: 0.85rem; line-height: 1.2;}
.st-key-copil-footer p {font-size: 1.05rem; color: #444;}
.st-key-copil-counter p {font-size: 1.4rem; font-weight: 600; text-align: center; margin: 0;}
</style>
"""


@st.cache_data(show_spinner="Préparation des diapositives…", max_entries=16)
def _deck(state: str, day, filters: Filters, since, labels: dict) -> Deck:
    """The deck, built once per data state, snapshot, filters and comparison date."""
    return build_deck(get_store(), day, filters, since, labels)


def _move(step: int, total: int) -> None:
    current = st.session_state.get(SLIDE_KEY) or 1
    st.session_state[SLIDE_KEY] = min(max(current + step, 1), total)


def _text(value: str) -> str:
    """Plain text for st.markdown, typeset in French: no HTML, no LaTeX ($), no emphasis from stray characters."""
    return html.escape(typeset(value), quote=False).replace("$", "\\$").replace("*", "\\*").replace("_", "\\_")


def draw_slide(slide, number: int, key: str) -> None:
    with st.container(key="copil-slide"):
        st.title(typeset(slide.title), anchor=False)
        if slide.subtitle:
            st.markdown(f"<div class='copil-subtitle'>\n\n{_text(slide.subtitle)}\n\n</div>", unsafe_allow_html=True)
        if slide.charts:
            text, charts = st.columns([5, 6], gap="large")
        else:
            text, charts = st.container(), None
        with text:
            st.markdown("\n".join(f"- {_text(b)}" for b in slide.bullets))
        if charts is not None:
            with charts:
                for n, spec in enumerate(slide.charts):
                    shown = spec
                    if len(slide.charts) > 1 and isinstance(spec.get("height"), (int, float)):
                        shown = {**spec, "height": STACKED_PLOT_HEIGHT}   # both fit above the footer
                    st.vega_lite_chart(shown, width="stretch", key=f"{key}-{number}-{n}")
                    chart_downloads(spec, f"copil-{slide.key}-{n + 1}", key=f"{key}-{number}-{n}-export")
    with st.container(key="copil-footer"):
        st.caption(_text(slide.footer))


def draw_files(deck: Deck, identity: tuple) -> None:
    """Build the PowerPoint and the PDF on demand, with progress, then offer both downloads."""
    st.subheader("Diaporama à distribuer", anchor=False)
    st.caption("Les mêmes diapositives, avec les mêmes chiffres : graphiques en images, date de l'instantané, "
               "périmètre et sources en pied de chaque page. Tout est produit sur ce poste, sans connexion.")
    if st.button("Préparer le PowerPoint et le PDF", key="copil-preparer", icon="📦"):
        with st.status("Préparation du diaporama…", expanded=True) as status:
            bar = st.progress(0.0, text="Graphiques")

            def show(start: float, width: float):
                return lambda fraction, text: bar.progress(min(start + width * fraction, 1.0), text=text)

            images = render_charts(deck, progress=show(0.0, 0.5))
            pptx = to_pptx(deck, progress=show(0.5, 0.25), images=images)
            pdf = to_pdf(deck, progress=show(0.75, 0.25), images=images)
            bar.progress(1.0, text="Terminé")
            status.update(label="Diaporama prêt : PowerPoint et PDF", state="complete", expanded=False)
        st.session_state[FILES_KEY] = (identity, pptx, pdf)
    ready = st.session_state.get(FILES_KEY)
    if ready and ready[0] == identity:
        _, pptx, pdf = ready
        left, right = st.columns(2)
        left.download_button("Télécharger le PowerPoint", pptx, f"{deck.file_stem()}.pptx", PPTX_MIME,
                             key="copil-pptx", icon="📊", on_click="ignore")
        right.download_button("Télécharger le PDF", pdf, f"{deck.file_stem()}.pdf", "application/pdf",
                              key="copil-pdf", icon="📄", on_click="ignore")


ctx = context()
st.markdown(CSS, unsafe_allow_html=True)
day = ctx.view.snapshot_date
if day is None:
    st.title("Présentation au COPIL")
    st.info("Aucun instantané : rien à présenter.")
    st.stop()

earlier = [d for d in ctx.store.snapshot_dates if d < day]
options = [d.isoformat() for d in sorted(earlier, reverse=True)]
since_label = lambda d: format_date_fr(date.fromisoformat(d))  # noqa: E731
# Streamlit keeps the shown label in the URL (?depuis=31+janvier+2024) and drops a value it cannot read:
# a link written ?depuis=2024-01-31 gets its label; one naming no earlier snapshot falls back to the default
# instead of silently comparing with the latest snapshot.
rewrite = canonical_link([(SINCE_KEY, options, since_label)], {SINCE_KEY: st.query_params.get(SINCE_KEY)})
if rewrite:
    st.query_params.update(rewrite)
    st.rerun()
if SINCE_KEY in st.query_params and st.query_params[SINCE_KEY] not in {since_label(o) for o in options}:
    del st.query_params[SINCE_KEY]
    st.session_state.pop(SINCE_KEY, None)
if SINCE_KEY not in st.session_state and SINCE_KEY not in st.query_params and earlier:
    st.session_state[SINCE_KEY] = default_compare(ctx.store.snapshot_dates, day).isoformat()

bar = st.columns([1, 1, 1, 1.2, 3, 1.6], vertical_alignment="center")
since_text = _bound("Comparer avec l'instantané du", options, SINCE_KEY, since_label, bar[4],
                    help="« Ce qui a changé depuis le dernier COPIL » compare l'instantané présenté à celui-ci.") \
    if options else None
since = date.fromisoformat(since_text) if since_text else None

deck = _deck(ctx.store.fingerprint, day, ctx.view.filters, since, ctx.labels)
total = len(deck.slides)
bar[0].button("◀ Précédente", key="copil-precedente", on_click=_move, args=(-1, total), width="stretch")
bar[2].button("Suivante ▶", key="copil-suivante", on_click=_move, args=(1, total), width="stretch")
number = bar[3].selectbox("Diapositive", list(range(1, total + 1)), key=SLIDE_KEY, bind="query-params",
                          format_func=str, label_visibility="collapsed")
number = number or 1
with bar[1].container(key="copil-counter"):
    st.markdown(f"{number} / {total}")
bar[5].page_link(page_path("synthese"), label="Quitter la présentation", icon="✖️")

draw_slide(deck.slides[number - 1], number, key="copil-graphique")
st.divider()
draw_files(deck, (ctx.store.fingerprint, day, ctx.view.filters, since))
