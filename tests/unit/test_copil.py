"""The COPIL deck: slides and numbers against hand-computed fixtures (tests/support/copil_data.py), the PowerPoint
read back with python-pptx, the PDF's pages, and the `observatoire copil` exit codes."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation
from pypdf import PdfReader

from observatoire.cli import main
from observatoire.copil.deck import TARGET_NOTE, build_deck, default_compare, typeset
from observatoire.copil.charts import PROJECTOR, site_map, status_chart
from observatoire.copil.export import chart_png, chart_svg, render_charts, title_size, to_pdf, to_pptx
from observatoire.model.filters import Filters
from observatoire.storage.store import Store
from tests.support.copil_data import AFTER, BEFORE, EXPECTED, NBSP, TITLES, make_copil_dir

KEYS = ["titre", "synthese", "axe1", "axe2", "axe3", "carte", "changements", "attention"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return make_copil_dir(tmp_path_factory.mktemp("copil"), demo=True)


@pytest.fixture(scope="module")
def store(data):
    return Store(data)


@pytest.fixture(scope="module")
def deck(store):
    return build_deck(store, AFTER, Filters())


@pytest.fixture(scope="module")
def files(deck):
    images = render_charts(deck)
    return to_pptx(deck, images=images), to_pdf(deck, images=images)


def bullets(deck, key):
    return next(s for s in deck.slides if s.key == key).bullets


def test_the_deck_has_every_slide_in_order(deck):
    assert [s.key for s in deck.slides] == KEYS
    assert deck.titles == TITLES
    assert deck.compare_date == BEFORE


def test_every_footer_says_date_scope_sources_and_demo(deck):
    for slide in deck.slides:
        assert slide.footer.startswith("Instantané du 31 janvier 2025 · Périmètre : toute l'académie")
        assert slide.footer.endswith("Données de démonstration : valeurs fictives")
    assert "Sources : ENT Wilapa" in next(s for s in deck.slides if s.key == "axe3").footer


def test_changes_slide_is_the_hand_computed_sentences(deck):
    assert list(bullets(deck, "changements")) == EXPECTED
    assert next(s for s in deck.slides if s.key == "changements").subtitle.startswith(
        "Du 31 janvier 2024 au 31 janvier 2025")


def test_axis_slide_shows_value_target_status_and_change(deck):
    # 550/1000 = 55,0 % against a 50 % target; 45,6 % a year earlier: +9,4 points.
    assert (f"Taux d'utilisation de l'ENT Wilapa : 55,0{NBSP}% (cible 2024-2025 : 50,0{NBSP}%, en avance) ; "
            f"+9,4 points depuis le 31 janvier 2024.") in bullets(deck, "axe3")
    axis3 = next(s for s in deck.slides if s.key == "axe3")
    assert axis3.charts and axis3.charts[0]["title"] == {"text": "Taux d'utilisation de l'ENT Wilapa à chaque instantané",
                                                         "subtitle": TARGET_NOTE}


def test_map_slide_gives_isolated_and_urban_shares(deck):
    # ÉduConnect reaches sites 1, 4 (urbain: 2 of 2) and 5 (isolé: 1 of 3, sites 2 and 3 have no account).
    assert (f"ÉduConnect : urbain 100,0{NBSP}% (2 sur 2) ; isolé 33,3{NBSP}% (1 sur 3) — "
            "écart isolés − urbains : −66,7 points.") in bullets(deck, "carte")
    spec = next(s for s in deck.slides if s.key == "carte").charts[0]
    assert len(spec["datasets"]["communes"]) == 22


def test_attention_slide_lists_late_indicators_and_gaps(deck):
    found = bullets(deck, "attention")
    # Subsidies: 16 000 € of 3 000 000 € (0,5 %), behind ÉduConnect (1 410 of 40 000, 3,5 %): furthest first.
    assert found[0].startswith(f"En retard — Subventions notifiées (€) : 16{NBSP}000{NBSP}€ pour une cible de "
                               f"3{NBSP}000{NBSP}000{NBSP}€ en 2024-2025")
    assert found[1].startswith(f"En retard — Comptes ÉduConnect activés : 1{NBSP}410 pour une cible de 40{NBSP}000")
    assert (f"Écart — Taux d'utilisation de l'ENT Wilapa : 44,0{NBSP}% dans les sites isolés, "
            f"66,0{NBSP}% dans les sites urbains (écart −22,0 points).") in found


def test_a_circonscription_scopes_the_whole_deck(store):
    deck = build_deck(store, AFTER, Filters(circonscription="C01"))
    assert all("Périmètre : circonscription : Cayenne 1" in s.footer for s in deck.slides)
    assert list(bullets(deck, "changements")) == ["Les comptes ÉduConnect activés passent de 100 à 160 (+60)."]
    assert f"Comptes ÉduConnect activés : 160 ; +60 depuis le 31 janvier 2024." in bullets(deck, "axe1")


def test_default_compare_is_a_year_earlier_else_the_first():
    from datetime import date
    days = [date(2024, 1, 31), date(2024, 6, 30), date(2025, 1, 31)]
    assert default_compare(days, date(2025, 1, 31)) == date(2024, 1, 31)
    assert default_compare(days, date(2024, 6, 30)) == date(2024, 1, 31)
    assert default_compare(days, date(2024, 1, 31)) is None


def test_pptx_reads_back_with_the_same_slides_titles_and_footers(deck, files):
    prs = Presentation(io.BytesIO(files[0]))
    assert len(prs.slides) == len(KEYS)
    for number, (slide, expected) in enumerate(zip(prs.slides, deck.slides), start=1):
        texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        assert texts[0] == typeset(expected.title)
        assert typeset(expected.footer) in texts
        assert f"{number} / {len(KEYS)}" in texts
        pictures = [shape for shape in slide.shapes if shape.shape_type == 13]
        assert len(pictures) == len(expected.charts)
    changes_text = "\n".join(s.text_frame.text for s in prs.slides[6].shapes if s.has_text_frame)
    assert all(typeset(sentence) in changes_text for sentence in EXPECTED)


def test_pdf_has_one_page_per_slide_with_the_same_text(files):
    reader = PdfReader(io.BytesIO(files[1]))
    assert len(reader.pages) == len(KEYS)
    text = reader.pages[6].extract_text()
    assert "Ce qui a changé depuis le dernier COPIL" in text
    assert "Instantané du 31 janvier 2025" in reader.pages[0].extract_text()


def test_charts_render_offline_to_png_and_svg(deck):
    spec = next(s for s in deck.slides if s.key == "synthese").charts[0]
    assert chart_png(spec)[:8] == b"\x89PNG\r\n\x1a\n"
    svg = chart_svg(spec)
    assert svg.startswith("<svg") and "http://" not in svg.replace("http://www.w3.org", "")


def test_no_chart_refers_to_remote_data(deck):
    for slide in deck.slides:
        for spec in slide.charts:
            text = repr(spec).replace("https://vega.github.io/schema", "")
            assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text


def test_cli_copil_writes_pptx_and_pdf(data, tmp_path, capsys):
    out, pdf = tmp_path / "deck.pptx", tmp_path / "deck.pdf"
    code = main(["--data-dir", str(data), "copil", "--snapshot", AFTER.isoformat(), "--out", str(out),
                 "--pdf", str(pdf), "--circonscription", "C01"])
    assert code == 0
    assert len(Presentation(str(out)).slides) == len(KEYS)
    assert len(PdfReader(str(pdf)).pages) == len(KEYS)
    assert "périmètre : circonscription : Cayenne 1" in capsys.readouterr().out


@pytest.mark.parametrize("args, code", [
    (["--snapshot", "2025-01-15"], 1),                            # no such snapshot
    (["--snapshot", "2025-01-31", "--compare", "2023-01-31"], 1),
    (["--snapshot", "2025-01-31", "--circonscription", "C99"], 1),  # unknown code
    (["--snapshot", "31/01/2025"], 2),                            # not a date
    (["--snapshot", "2025-01-31", "--out", "deck.ppt"], 2),
])
def test_cli_copil_exit_codes(data, tmp_path, args, code, capsys):
    assert main(["--data-dir", str(data), "copil", *args]) == code
    assert not list(tmp_path.iterdir())


def test_cli_copil_without_snapshot_is_a_usage_error(data):
    with pytest.raises(SystemExit) as info:
        main(["--data-dir", str(data), "copil"])
    assert info.value.code == 2


def test_pdf_without_a_unicode_font_falls_back_to_latin1(deck, monkeypatch):
    import observatoire.copil.export as export

    monkeypatch.setattr(export, "PDF_FONTS", ())
    small = type(deck)(deck.academie, deck.snapshot_date, deck.compare_date, deck.filters_text, deck.is_demo,
                       [s for s in deck.slides if not s.charts])
    reader = PdfReader(io.BytesIO(to_pdf(small)))
    assert len(reader.pages) == len(small.slides)
    assert "16 000 EUR" in reader.pages[-1].extract_text().replace("\xa0", " ")


def test_slide_text_is_typeset_in_french_in_every_renderer(files):
    """No line of a slide may start with ':' or ';': a no-break space precedes them (and lines the guillemets)."""
    assert typeset("Périmètre : toute l'académie ; « réalisé »") == \
        "Périmètre\u00a0: toute l'académie\u202f; «\u00a0réalisé\u00a0»"
    prs = Presentation(io.BytesIO(files[0]))
    text = "\n".join(s.text_frame.text for slide in prs.slides for s in slide.shapes if s.has_text_frame)
    assert " :" not in text and " ;" not in text and "« " not in text
    assert "Périmètre\u00a0: toute l'académie" in text
    lines = [line.strip() for page in PdfReader(io.BytesIO(files[1])).pages for line in page.extract_text().splitlines()]
    assert lines and not [line for line in lines if line.startswith((":", ";", "»"))]


def test_long_titles_leave_room_for_the_subtitle_and_the_body(deck, files):
    size, lines = title_size(next(s.title for s in deck.slides if s.key == "axe3"))
    assert lines == 2 and size < 28
    assert title_size("Points d'attention") == (28, 1)
    prs = Presentation(io.BytesIO(files[0]))
    for slide in list(prs.slides)[1:]:
        title, subtitle, body = list(slide.shapes)[:3]
        assert subtitle.top >= title.top + title.height, slide.shapes[0].text_frame.text
        assert body.top >= subtitle.top + subtitle.height


def test_charts_use_projector_type_and_the_status_bars_a_step_height(deck):
    for slide in deck.slides:
        for spec in slide.charts:
            assert spec["config"]["axis"]["labelFontSize"] == PROJECTOR["axis"]["labelFontSize"]
            assert spec["config"]["legend"]["labelFontSize"] == PROJECTOR["legend"]["labelFontSize"]
            # the height stays the plot's: Streamlit's default fit would squeeze it under title and legend
            assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    status = next(s for s in deck.slides if s.key == "synthese").charts[0]
    # a fixed height with a bottom legend is squeezed to a line by Streamlit 1.67: the bands need a step
    assert status["height"] == {"step": 44}
    axes = {v["axis"] for v in next(iter(status["datasets"].values()))}
    assert axes == {"Axe 1", "Axe 2", "Axe 3"}     # short labels: the bullets beside give the titles


def test_site_map_draws_isolated_sites_last_with_a_status_legend():
    import pandas as pd
    sites = pd.DataFrame({"name": list("abcd"), "commune_name": "x", "lat": 4.0, "lon": -53.0,
                          "isolation": ["isole", "urbain", "rural", "urbain"],
                          "coverage_status": ["not_covered", "covered", "not_applicable", "not_covered"]})
    colors = {"urbain": "#0072B2", "rural": "#E69F00", "isole": "#D55E00"}
    labels = {"urbain": "Urbain", "rural": "Rural", "isole": "Isolé"}
    spec = site_map({"features": []}, sites, colors, labels, "t")
    values = next(v for k, v in spec["datasets"].items() if k != "communes")
    assert [v["name"] for v in values] == ["d", "b", "c", "a"]     # urbain, rural, then isolé on top
    size = spec["layer"][1]["encoding"]["size"]
    assert size["scale"]["domain"] == ["couvert", "non couvert", "hors du champ du service"]
    assert size["scale"]["range"][0] > size["scale"]["range"][1] > size["scale"]["range"][2]
    status = status_chart(pd.DataFrame({"axis": ["Axe 1"], "status": ["late"], "count": [2]}), "t").to_dict()
    assert status["height"] == {"step": 44}


def test_demo_deck_at_the_end_of_the_school_year(demo_dir):
    """On the demo's last snapshot (31 August): no projection that repeats the value, no zero gap,
    and the map shows a service every site is in the scope of (ÉduConnect)."""
    store = Store(demo_dir)
    deck = build_deck(store, store.snapshot_dates[-1])
    attention = bullets(deck, "attention")
    assert attention and not any("au rythme actuel" in b for b in attention)
    gaps = [b for b in attention if b.startswith("Écart")]
    assert gaps and not any("(écart −0,0" in b or "(écart 0,0" in b for b in gaps)
    assert any("« ÉduConnect »" in b for b in bullets(deck, "carte"))
    assert not any("hors du champ" in b for b in bullets(deck, "carte"))


def _text_heights(page) -> list[tuple[float, str]]:
    """(baseline height in points from the bottom, text) of each piece of text on a PDF page."""
    out = []
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: out.append((tm[5], text.strip()))
                      if text.strip() else None)
    return out


def test_pdf_body_never_runs_into_the_footer(demo_dir):
    """The demo's 'Ce qui a changé' in one circonscription has long sentences: the body font shrinks
    enough that its last line stays above the footer (it used to print over it)."""
    store = Store(demo_dir)
    full = build_deck(store, store.snapshot_dates[-1], Filters(circonscription="C05"), store.snapshot_dates[16])
    text_only = type(full)(full.academie, full.snapshot_date, full.compare_date, full.filters_text, full.is_demo,
                           [s for s in full.slides if not s.charts])
    assert any(s.key == "changements" for s in text_only.slides)
    for page in PdfReader(io.BytesIO(to_pdf(text_only))).pages:
        pieces = _text_heights(page)
        footer = next(y for y, t in pieces if t.startswith("Instantané du"))
        crowded = [t for y, t in pieces if footer + 0.5 < y < footer + 12]
        assert not crowded, f"body text on the footer: {crowded}"


def test_site_map_draws_its_points_when_every_site_has_the_same_status():
    """A one-value size or opacity range makes Vega draw no point: the scales always hold every status."""
    import pandas as pd
    from PIL import Image

    sites = pd.DataFrame({"name": ["a", "b"], "commune_name": "x", "lat": [4.9, 4.8], "lon": [-52.4, -52.3],
                          "isolation": "urbain", "coverage_status": "covered"})
    spec = site_map({"type": "FeatureCollection", "features": []}, sites, {"urbain": "#0072B2"},
                    {"urbain": "Urbain"}, "t")
    size = spec["layer"][1]["encoding"]["size"]
    assert len(size["scale"]["range"]) == 3 and size["legend"]["values"] == ["couvert"]
    image = Image.open(io.BytesIO(chart_png(spec))).convert("RGB")
    blue = sum(1 for r, g, b in image.getdata() if b > 150 and r < 60 and 90 < g < 150)
    assert blue > 50, "no site drawn"


def test_synthesis_says_when_no_target_applies(store):
    deck = build_deck(store, AFTER, Filters(circonscription="C01"))
    first = bullets(deck, "synthese")[0]
    assert first.startswith("Axe 1 — ") and "n'a à la fois une cible applicable à ce périmètre et une donnée" in first


def test_a_proposed_indicator_says_so_on_its_slide_line():
    from dataclasses import replace

    from observatoire.copil.deck import indicator_line
    from observatoire.metrics.progress import Headline
    from observatoire.model.catalog import load_catalog
    from observatoire.settings import BUNDLED_TERRITORIES

    ind = load_catalog(BUNDLED_TERRITORIES / "guyane" / "roadmap.toml").indicator("ent2d_utilisateurs")
    h = Headline(**{f: None for f in Headline.__dataclass_fields__} | {"value": 12.0, "snapshot_date": AFTER})
    assert "(indicateur proposé)" not in indicator_line(ind, h, None, None)
    assert indicator_line(replace(ind, proposed=True), h, None, None).startswith(f"{ind.label} (indicateur proposé) : 12")
