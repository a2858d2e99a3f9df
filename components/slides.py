"""The COPIL presentation drawn on screen: the page's CSS (large type, no sidebar), one slide, and the deck
files to hand out. The slides come from observatoire/copil/deck.py, the same as the files."""

from __future__ import annotations

import html

import streamlit as st

from components.access import audited_export
from components import icons
from components.chart_export import chart_downloads
from components.chart_text import accessible
from observatoire.copil.deck import Deck, typeset
from observatoire.copil.export import PPTX_MIME, render_charts, to_pdf, to_pptx

FILES_KEY = "copil-fichiers"
STACKED_PLOT_HEIGHT = 140   # px, each of two charts on one slide (1080 px screen)
SMALL_PLOT_HEIGHT = 190     # px at most, the one chart a small screen (720 px) shows
# A slide says less on a smaller screen (CSS viewport classes below): at most this many sentences and charts.
# "large" is a 1080 px high screen; "small" anything up to 820 px (a 1280×720 projector).
BULLETS = {"large": 5, "small": 3}
CHARTS = {"large": 2, "small": 1}
# Only on this page: no sidebar (nor its expand arrow) and no top bar; a compact presenter bar and demo label;
# the slide fills the rest of the screen, large type inside; the presenter menu (downloads, deck files) is a
# popover outside the projected area. Sentences and charts past a viewport class's cap are not shown there
# (the deck files keep every one).
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarCollapseButton"], [data-testid="stSidebarNav"], [data-testid="stHeader"] {display: none !important;}
[data-testid="stMainBlockContainer"] {max-width: 100%; padding: 0.4rem 2.5rem 0.4rem 2.5rem;}
[data-testid="stMainBlockContainer"] > div > [data-testid="stVerticalBlock"] {gap: 0.4rem;}
.st-key-demo-label [data-testid="stAlertContainer"], .st-key-open-label [data-testid="stAlertContainer"]
    {padding: 0.15rem 0.75rem; min-height: 0;}
.st-key-demo-label p, .st-key-open-label p {font-size: 0.8rem; line-height: 1.3;}
.st-key-copil-bar button {min-height: 2rem; padding: 0.1rem 0.6rem;}
.st-key-copil-keys {display: none;}
.st-key-copil-slide h1 {font-size: 2.9rem; line-height: 1.15; color: #000091; padding: 0.2rem 0 0.4rem 0;}
.st-key-copil-slide p, .st-key-copil-slide li {font-size: 1.5rem; line-height: 1.4;}
.st-key-copil-slide .copil-subtitle p {font-size: 1.25rem; color: #555; margin-bottom: 0.2rem;}
.copil-more {display: none;}
.st-key-copil-slide .copil-more p {font-size: 1.05rem; color: #555;}
.st-key-copil-footer p {font-size: 1.05rem; color: #444;}
.st-key-copil-footer [data-testid="stCaptionContainer"] {opacity: 1;}  /* #444 at a caption's 0.6 fails AA */
.st-key-copil-counter p {font-size: 1.4rem; font-weight: 600; text-align: center; margin: 0;}
.st-key-copil-slide li:nth-child(n+LARGE_NEXT), [class*="st-key-copil-chart-small-"] {display: none;}
.st-key-copil-slide .copil-more-large {display: block;}
@media (max-height: 820px) {
  .st-key-copil-slide h1 {font-size: 2.3rem; padding: 0 0 0.2rem 0;}
  .st-key-copil-slide p, .st-key-copil-slide li {font-size: 1.3rem; line-height: 1.35;}
  .st-key-copil-slide .copil-subtitle p {font-size: 1.1rem;}
  .st-key-copil-slide li:nth-child(n+SMALL_NEXT), [class*="st-key-copil-chart-large-"] {display: none;}
  [class*="st-key-copil-chart-small-"] {display: block;}
  .st-key-copil-slide .copil-more-large {display: none;}
  .st-key-copil-slide .copil-more-small {display: block;}
  .st-key-copil-footer p {font-size: 0.9rem;}
}
</style>
""".replace("LARGE_NEXT", str(BULLETS["large"] + 1)).replace("SMALL_NEXT", str(BULLETS["small"] + 1))
# Presentation remotes send Page Down / Page Up (some, the arrow keys): click the next/previous button of the
# page. Sent with st.html, the script runs in the app's own window (a listener installed from a component frame
# stops answering once that frame is replaced, while its "installed" flag stays set: keys then did nothing). It
# listens once per browser tab and does nothing on another page or while a field has the focus.
KEYS_SCRIPT = """
<script>
(() => {
  if (window.__copilKeys) return;
  window.__copilKeys = true;
  const moves = {PageDown: "suivante", ArrowRight: "suivante", ArrowDown: "suivante",
                 PageUp: "precedente", ArrowLeft: "precedente", ArrowUp: "precedente"};
  // The page can be between two drawings when a key comes (its buttons briefly absent): the press is kept and
  // tried again for two seconds rather than lost.
  const onPresentation = () => location.pathname.split("/").filter(Boolean).pop() === "presentation";
  const press = (move, tries) => {
    const button = document.querySelector(".st-key-copil-" + move + " button");
    if (button && !button.disabled) button.click();
    else if (tries > 0 && onPresentation()) setTimeout(() => press(move, tries - 1), 100);
  };
  document.addEventListener("keydown", (event) => {
    const move = moves[event.key];
    if (!move || event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    if (target && target.closest && target.closest("input, textarea, select, [role=listbox], [contenteditable=true]")) return;
    if (!onPresentation()) return;
    event.preventDefault();
    press(move, 20);
  });
})();
</script>
"""


def listen_to_clicker() -> None:
    """The keyboard script above (inline: no network), hidden."""
    with st.container(key="copil-keys"):
        st.html(KEYS_SCRIPT, unsafe_allow_javascript=True)


def plain_text(value: str) -> str:
    """Plain text for st.markdown, typeset in French: no HTML, no LaTeX ($), no emphasis from stray characters."""
    return html.escape(typeset(value), quote=False).replace("$", "\\$").replace("*", "\\*").replace("_", "\\_")


def _more(count: int) -> str:
    return f"… et {count} autre{'s' if count > 1 else ''} point{'s' if count > 1 else ''} dans le diaporama distribué"


def draw_slide(slide, number: int, key: str) -> None:
    """One slide, large type; past a viewport class's caps (BULLETS, CHARTS) the screen says less, and says so."""
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
            for size, cap in BULLETS.items():
                if len(slide.bullets) > cap:
                    st.markdown(f"<div class='copil-more copil-more-{size}'>\n\n{_more(len(slide.bullets) - cap)}"
                                "\n\n</div>", unsafe_allow_html=True)
        if charts is not None:
            with charts:
                for size in ("large", "small"):   # one set a viewport class, the other hidden by CSS
                    shown = slide.charts[:CHARTS[size]]
                    for n, spec in enumerate(shown):
                        if isinstance(spec.get("height"), (int, float)):
                            height = (STACKED_PLOT_HEIGHT if len(shown) > 1 else spec["height"]) if size == "large" \
                                else min(spec["height"], SMALL_PLOT_HEIGHT)
                            spec = {**spec, "height": height}
                        with st.container(key=f"copil-chart-{size}-{n}"):
                            name = spec.get("title", {}).get("text") if isinstance(spec.get("title"), dict) else spec.get("title")
                            st.vega_lite_chart(accessible(spec, typeset(name or slide.title)), width="stretch",
                                               key=f"{key}-{number}-{size}-{n}")
    with st.container(key="copil-footer"):
        st.caption(plain_text(slide.footer))


def draw_chart_downloads(slide) -> None:
    """PNG/SVG of the slide's charts, for the presenter menu (never on the projected slide)."""
    for n, spec in enumerate(slide.charts):
        st.caption(slide.alt(n)[:120] + ("…" if len(slide.alt(n)) > 120 else ""))
        chart_downloads(spec, f"copil-{slide.key}-{n + 1}", key=f"copil-{slide.key}-{n}-export")


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
        stem = deck.file_stem()
        left.download_button("Télécharger le PowerPoint", audited_export(pptx, f"{stem}.pptx"), f"{stem}.pptx", PPTX_MIME,
                             key="copil-pptx", icon=icons.PPTX, on_click="ignore")
        right.download_button("Télécharger le PDF", audited_export(pdf, f"{stem}.pdf"), f"{stem}.pdf", "application/pdf",
                              key="copil-pdf", icon=icons.PDF, on_click="ignore")
