"""The COPIL presentation drawn on screen: the page's CSS (large type, no sidebar), one slide, and the deck
files to hand out. The slides come from observatoire/copil/deck.py, the same as the files."""

from __future__ import annotations

import html

import streamlit as st

from components import icons
from components.chart_export import chart_downloads
from observatoire.copil.deck import Deck, typeset
from observatoire.copil.export import PPTX_MIME, render_charts, to_pdf, to_pptx

FILES_KEY = "copil-fichiers"
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
.st-key-copil-footer [data-testid="stCaptionContainer"] {opacity: 1;}  /* #444 at a caption's 0.6 fails AA */
.st-key-copil-counter p {font-size: 1.4rem; font-weight: 600; text-align: center; margin: 0;}
</style>
"""


def plain_text(value: str) -> str:
    """Plain text for st.markdown, typeset in French: no HTML, no LaTeX ($), no emphasis from stray characters."""
    return html.escape(typeset(value), quote=False).replace("$", "\\$").replace("*", "\\*").replace("_", "\\_")


def draw_slide(slide, number: int, key: str) -> None:
    with st.container(key="copil-slide"):
        st.title(typeset(slide.title), anchor=False)
        if slide.subtitle:
            st.markdown(f"<div class='copil-subtitle'>\n\n{plain_text(slide.subtitle)}\n\n</div>", unsafe_allow_html=True)
        if slide.charts:
            text, charts = st.columns([5, 6], gap="large")
        else:
            text, charts = st.container(), None
        with text:
            st.markdown("\n".join(f"- {plain_text(b)}" for b in slide.bullets))
        if charts is not None:
            with charts:
                for n, spec in enumerate(slide.charts):
                    shown = spec
                    if len(slide.charts) > 1 and isinstance(spec.get("height"), (int, float)):
                        shown = {**spec, "height": STACKED_PLOT_HEIGHT}   # both fit above the footer
                    st.vega_lite_chart(shown, width="stretch", key=f"{key}-{number}-{n}")
                    chart_downloads(spec, f"copil-{slide.key}-{n + 1}", key=f"{key}-{number}-{n}-export")
    with st.container(key="copil-footer"):
        st.caption(plain_text(slide.footer))


def draw_files(deck: Deck, identity: tuple) -> None:
    """Build the PowerPoint and the PDF on demand, with progress, then offer both downloads."""
    st.subheader("Diaporama à distribuer", anchor=False)
    st.caption("Les mêmes diapositives, avec les mêmes chiffres : graphiques en images, date de l'instantané, "
               "périmètre et sources en pied de chaque page. Tout est produit sur ce poste, sans connexion.")
    if st.button("Préparer le PowerPoint et le PDF", key="copil-preparer", icon=icons.PREPARE):
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
                             key="copil-pptx", icon=icons.PPTX, on_click="ignore")
        right.download_button("Télécharger le PDF", pdf, f"{deck.file_stem()}.pdf", "application/pdf",
                              key="copil-pdf", icon=icons.PDF, on_click="ignore")
