"""The deck files read aloud: every chart picture carries the sentence it illustrates (PowerPoint descr, PDF
/Alt), and the PDF declares its language and title."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation
from pypdf import PdfReader

from observatoire.copil.deck import build_deck
from observatoire.copil.export import render_charts, to_pdf, to_pptx
from observatoire.model.filters import Filters
from observatoire.storage.store import Store
from tests.support.copil_data import AFTER, make_copil_dir


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    return build_deck(Store(make_copil_dir(tmp_path_factory.mktemp("copil"), demo=True)), AFTER, Filters())


@pytest.fixture(scope="module")
def files(deck):
    images = render_charts(deck)
    return to_pptx(deck, images=images), to_pdf(deck, images=images)


def test_every_chart_has_the_sentence_it_illustrates(deck):
    axis = next(s for s in deck.slides if s.key == "axe1")
    assert axis.charts, "the fixture's axis 1 slide has a trend chart"
    for n in range(len(axis.charts)):
        # the alternative text is one of the slide's sentences, not a file name
        assert any(bullet.split(" : ")[0] in axis.alt(n) for bullet in axis.bullets)
        assert axis.alt(n).startswith("Évolution à chaque instantané — ")
    for slide in deck.slides:
        for n in range(len(slide.charts)):
            assert len(slide.alt(n)) > 30, (slide.key, slide.alt(n))


def test_pptx_pictures_carry_the_alternative_text(deck, files):
    prs = Presentation(io.BytesIO(files[0]))
    seen = 0
    for slide, expected in zip(prs.slides, deck.slides):
        pictures = [shape for shape in slide.shapes if shape.shape_type == 13]
        assert [p._element.nvPicPr.cNvPr.get("descr") for p in pictures] == \
            [expected.alt(n) for n in range(len(expected.charts))]
        seen += len(pictures)
    assert seen >= 3


def test_pdf_declares_language_title_and_image_alternatives(deck, files):
    reader = PdfReader(io.BytesIO(files[1]))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fr-FR"
    assert reader.metadata.title == deck.slides[0].title
    alts = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if "/Alt" in node:
                alts.append(str(node["/Alt"]))
            kids = node.get("/K")
            if kids is not None:
                for kid in (kids if isinstance(kids, list) else [kids]):
                    walk(kid)
        elif isinstance(node, list):
            for kid in node:
                walk(kid)
    walk(root["/StructTreeRoot"])
    expected = [s.alt(n) for s in deck.slides for n in range(len(s.charts))]
    assert alts == expected
