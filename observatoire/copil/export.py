"""The COPIL deck as files: PowerPoint (python-pptx) and PDF (fpdf2), charts rendered offline by vl-convert.

Both files draw the same `Deck` as the presentation page, one page per slide: title, subtitle, bullet
sentences, charts as PNG images, and a footer with the snapshot date, the filters and the sources.
Nothing here touches the network: vl-convert renders Vega-Lite with its bundled engine, the chart specs
carry their data inline, and the fonts are local.
"""

from __future__ import annotations

import copy
import io
import math
import struct
from pathlib import Path

from observatoire.copil.deck import Deck, Slide, typeset

SLIDE_W, SLIDE_H = 13.333, 7.5            # inches, 16:9
MARGIN = 0.5
BODY_TOP, BODY_BOTTOM = 1.75, 6.8
FOOTER_TOP = 6.95
CHART_W = 6.1                             # inches, right column when a slide has charts
BLEU_FRANCE = (0x00, 0x00, 0x91)
GREY = (0x55, 0x55, 0x55)
FONT_SIZES = (24, 22, 20, 18, 16, 14, 12, 11, 10)
# Unicode fonts for the PDF, first found wins (Debian's fonts-dejavu-core / fonts-liberation).
PDF_FONTS = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
)
# Without a Unicode font the PDF falls back to Helvetica (Latin-1 only).
LATIN1 = {"\u202f": "\u00a0", "−": "-", "€": "EUR", "œ": "oe", "Œ": "OE", "’": "'", "…": "...", "–": "-", "—": "-"}
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


# --- charts -------------------------------------------------------------------------------------------------

# Two charts share the right column of a slide (6.1 x 2.45 in each): drawn wide and low, their type is
# shrunk far less to fit the box than at the screen's 560 x 260 px.
STACKED_WIDTH, STACKED_HEIGHT = 640, 150


def sized(spec: dict, width: int = 560, height: int | None = None) -> dict:
    """A copy of a spec with a fixed width (screen charts fill their container, which an image has not)
    and, if given, a plot height in place of a fixed one."""
    out = copy.deepcopy(spec)
    if not isinstance(out.get("width"), (int, float)):
        out["width"] = width
    if height is not None and isinstance(out.get("height"), (int, float)):
        out["width"], out["height"] = width, height
    return out


def chart_png(spec: dict, scale: float = 2, width: int = 560, height: int | None = None) -> bytes:
    import vl_convert

    return vl_convert.vegalite_to_png(sized(spec, width, height), scale=scale)


def chart_svg(spec: dict) -> str:
    import vl_convert

    return vl_convert.vegalite_to_svg(sized(spec))


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG header."""
    return struct.unpack(">II", data[16:24])


def fit_box(data: bytes, width: float, height: float) -> tuple[float, float]:
    """The largest (w, h) with the image's aspect ratio inside width x height."""
    w, h = png_size(data)
    ratio = min(width / w, height / h)
    return w * ratio, h * ratio


def render_charts(deck: Deck, progress=None) -> list[list[bytes]]:
    """PNG images of every slide's charts, rendered once for both files."""
    out = []
    for number, slide in enumerate(deck.slides, start=1):
        if progress:
            progress((number - 1) / len(deck.slides), f"Graphiques : diapositive {number} / {len(deck.slides)}")
        stacked = {"width": STACKED_WIDTH, "height": STACKED_HEIGHT} if len(slide.charts) > 1 else {}
        out.append([chart_png(spec, **stacked) for spec in slide.charts])
    return out


# --- layout shared by both formats -------------------------------------------------------------------------

def font_size(bullets, width_in: float, height_in: float, sizes=FONT_SIZES) -> int:
    """The largest size (points) at which the bullets fit the box, estimating a glyph at 0.56 of the size
    wide (DejaVu Sans, the PDF's font, is the widest of the fonts used; at 0.5 the last bullet ran into the footer)."""
    for size in sizes:
        per_line = max(1, int(width_in * 72 / (0.56 * size)))
        lines = sum(math.ceil((len(b) + 2) / per_line) for b in bullets)
        needed = lines * size * 1.25 / 72 + len(bullets) * size * 0.45 / 72
        if needed <= height_in:
            return size
    return sizes[-1]


def title_lines(title: str, size: int, width_in: float = SLIDE_W - 2 * MARGIN) -> int:
    """Lines a bold title takes at `size` points in a box `width_in` wide (a bold glyph ~0.55 em wide)."""
    per_line = max(1, int(width_in * 72 / (0.55 * size)))
    return max(1, math.ceil(len(title) / per_line))


def title_size(title: str, sizes=(28, 26, 24)) -> tuple[int, int]:
    """(points, lines) of a slide title: the largest size that fits on one line, else two lines at the
    smallest size, so that the subtitle and the body below never overlap it."""
    for size in sizes:
        if title_lines(title, size) == 1:
            return size, 1
    return sizes[-1], title_lines(title, sizes[-1])


def layout(slide: Slide) -> tuple[float, float]:
    """(text width, text height) in inches for the slide body."""
    width = SLIDE_W - 2 * MARGIN - (CHART_W + 0.3 if slide.charts else 0)
    return width, BODY_BOTTOM - BODY_TOP


def chart_boxes(images: list[bytes]) -> list[tuple[float, float, float, float]]:
    """(left, top, width, height) of each chart, stacked in the right column."""
    if not images:
        return []
    left = SLIDE_W - MARGIN - CHART_W
    room = (BODY_BOTTOM - BODY_TOP - 0.15 * (len(images) - 1)) / len(images)
    boxes, top = [], BODY_TOP
    for data in images:
        w, h = fit_box(data, CHART_W, room)
        boxes.append((left + (CHART_W - w) / 2, top, w, h))
        top += h + 0.15
    return boxes


# --- PowerPoint ---------------------------------------------------------------------------------------------

def to_pptx(deck: Deck, progress=None, images: list[list[bytes]] | None = None) -> bytes:
    """The deck as a .pptx file; `progress(fraction, text)` is called per slide; `images` from render_charts()."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    images_of = images
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    blank = prs.slide_layouts[6]
    total = len(deck.slides)

    def text_box(slide, left, top, width, height, paragraphs, size, color=(0, 0, 0), bold=False, bullet=False):
        frame = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height)).text_frame
        frame.word_wrap = True
        for n, text in enumerate(paragraphs):
            para = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
            run = para.add_run()
            run.text = ("• " if bullet else "") + typeset(text)
            run.font.size, run.font.bold = Pt(size), bold
            run.font.color.rgb = RGBColor(*color)
            if bullet:
                para.space_after = Pt(size * 0.45)
        return frame

    for number, item in enumerate(deck.slides, start=1):
        if progress:
            progress((number - 1) / total, f"PowerPoint : diapositive {number} / {total} — {item.title}")
        slide = prs.slides.add_slide(blank)
        if item.key == "titre":
            text_box(slide, MARGIN, 1.6, SLIDE_W - 2 * MARGIN, 1.4, [item.title], 36, BLEU_FRANCE, bold=True)
            text_box(slide, MARGIN, 3.1, SLIDE_W - 2 * MARGIN, 0.6, [item.subtitle], 20, GREY)
            text_box(slide, MARGIN, 3.9, SLIDE_W - 2 * MARGIN, 2.8, list(item.bullets), 20)
        else:
            size, lines = title_size(item.title)
            title_h = lines * size * 1.2 / 72 + 0.1
            text_box(slide, MARGIN, 0.3, SLIDE_W - 2 * MARGIN, title_h, [item.title], size, BLEU_FRANCE, bold=True)
            if item.subtitle:
                # under the title, and above the body however many lines the title takes
                top = min(0.3 + title_h, BODY_TOP - 0.4)
                text_box(slide, MARGIN, top, SLIDE_W - 2 * MARGIN, 0.4, [item.subtitle], 16 if lines == 1 else 14, GREY)
            width, height = layout(item)
            size = font_size(item.bullets, width, height)
            text_box(slide, MARGIN, BODY_TOP, width, height, list(item.bullets), size, bullet=True)
            images = images_of[number - 1] if images_of else [chart_png(spec) for spec in item.charts]
            for n, (data, (left, top, w, h)) in enumerate(zip(images, chart_boxes(images))):
                picture = slide.shapes.add_picture(io.BytesIO(data), Inches(left), Inches(top), Inches(w), Inches(h))
                # screen readers read the picture's description (descr), not its name
                picture._element.nvPicPr.cNvPr.set("descr", item.alt(n))
        text_box(slide, MARGIN, FOOTER_TOP, SLIDE_W - 2 * MARGIN - 0.8, 0.45, [item.footer], 9, GREY)
        text_box(slide, SLIDE_W - MARGIN - 0.7, FOOTER_TOP, 0.7, 0.45, [f"{number} / {total}"], 10, GREY)
    out = io.BytesIO()
    prs.save(out)
    if progress:
        progress(1.0, "PowerPoint prêt")
    return out.getvalue()


# --- PDF ----------------------------------------------------------------------------------------------------

def _pdf_font(pdf) -> str:
    for regular, bold in PDF_FONTS:
        if Path(regular).exists() and Path(bold).exists():
            pdf.add_font("deck", "", regular)
            pdf.add_font("deck", "B", bold)
            return "deck"
    return "helvetica"


def _latin1(text: str) -> str:
    for char, plain in LATIN1.items():
        text = text.replace(char, plain)
    return text.encode("latin-1", "replace").decode("latin-1")


def to_pdf(deck: Deck, progress=None, images: list[list[bytes]] | None = None) -> bytes:
    """The deck as a PDF, one 16:9 page per slide, with the same content as the PowerPoint."""
    from fpdf import FPDF

    images_of = images
    pdf = FPDF(orientation="L", unit="in", format=(SLIDE_H, SLIDE_W))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    family = _pdf_font(pdf)
    clean = (lambda t: t) if family == "deck" else _latin1
    pdf.set_title(clean(deck.slides[0].title if deck.slides else "COPIL"))
    pdf.set_lang("fr-FR")
    pdf.set_creator("Observatoire du numérique éducatif" if family == "deck" else "Observatoire")
    total = len(deck.slides)

    def write(left, top, width, text, size, color=(0, 0, 0), bold=False, height=None):
        pdf.set_font(family, "B" if bold else "", size)
        pdf.set_text_color(*color)
        pdf.set_xy(left, top)
        pdf.multi_cell(width, size * 1.25 / 72, clean(typeset(text)), align="L", new_x="LMARGIN", new_y="NEXT")
        return pdf.get_y()

    for number, item in enumerate(deck.slides, start=1):
        if progress:
            progress((number - 1) / total, f"PDF : page {number} / {total} — {item.title}")
        pdf.add_page()
        full = SLIDE_W - 2 * MARGIN
        if item.key == "titre":
            y = write(MARGIN, 1.6, full, item.title, 34, BLEU_FRANCE, bold=True)
            y = write(MARGIN, y + 0.15, full, item.subtitle, 20, GREY)
            y += 0.3
            for bullet in item.bullets:
                y = write(MARGIN, y, full, bullet, 20) + 0.08
        else:
            y = write(MARGIN, 0.35, full, item.title, 26, BLEU_FRANCE, bold=True)
            if item.subtitle:
                write(MARGIN, y + 0.05, full, item.subtitle, 15, GREY)
            width, height = layout(item)
            size = font_size(item.bullets, width, height)
            y = BODY_TOP
            for bullet in item.bullets:
                y = write(MARGIN, y, width, "• " + bullet, size) + size * 0.45 / 72
            images = images_of[number - 1] if images_of else [chart_png(spec) for spec in item.charts]
            for n, (data, (left, top, w, h)) in enumerate(zip(images, chart_boxes(images))):
                pdf.image(io.BytesIO(data), x=left, y=top, w=w, h=h, alt_text=clean(item.alt(n)))
        write(MARGIN, FOOTER_TOP, full - 0.8, item.footer, 9, GREY)
        pdf.set_font(family, "", 10)
        pdf.set_xy(SLIDE_W - MARGIN - 0.7, FOOTER_TOP)
        pdf.cell(0.7, 0.2, f"{number} / {total}", align="R")
    if progress:
        progress(1.0, "PDF prêt")
    return bytes(pdf.output())
