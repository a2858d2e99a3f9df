"""The presentation page: every slide renders from its URL (?diapo=N), scoped by the global filters,
with the previous/next controls, the counter and the deck files."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from observatoire.copil.deck import typeset
from tests.conftest import APP, VIEWS
from tests.support.copil_data import TITLES

PAGE = "presentation.py"


def texts(at) -> list[str]:
    return [m.value for m in at.markdown] + [c.value for c in at.caption]


def check_slide(at, number: int) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [typeset(TITLES[number - 1])]
    assert f"{number} / {len(TITLES)}" in texts(at)
    footer = next(c.value for c in at.caption if c.value.startswith("Instantané du "))
    assert "Données de démonstration" in footer


def test_every_slide_renders_from_its_url(app):
    for number in range(1, len(TITLES) + 1):
        at = app(PAGE, diapo=str(number))
        check_slide(at, number)
        assert typeset("Périmètre : toute l'académie") in "\n".join(texts(at))
        assert at.query_params.get("diapo", "1") == str(number)   # the default is left out of the URL
    charts = at.get("vega_lite_chart")
    assert len(charts) == 0     # "Points d'attention" has sentences only


def test_a_circonscription_scopes_every_slide(app):
    for number in range(1, len(TITLES) + 1):
        at = app(PAGE, diapo=str(number), circonscription="C05")
        check_slide(at, number)
        footer = next(c.value for c in at.caption if c.value.startswith("Instantané du "))
        assert typeset("Périmètre : circonscription : Macouria-Montsinéry") in footer


def test_previous_and_next_move_and_stay_in_the_url(app):
    at = app(PAGE, diapo="2")
    at.button(key="copil-suivante").click().run()
    check_slide(at, 3)
    assert at.query_params["diapo"] == "3"
    at.button(key="copil-precedente").click().run()
    at.button(key="copil-precedente").click().run()
    at.button(key="copil-precedente").click().run()
    check_slide(at, 1)


def test_map_and_axis_slides_draw_their_charts_with_png_and_svg_downloads(app):
    at = app(PAGE, diapo="6")
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    assert '"datasets"' in charts[0].proto.spec and "communes" in charts[0].proto.spec
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("Image PNG") == 1 and labels.count("Image SVG") == 1
    at = app(PAGE, diapo="5")
    assert len(at.get("vega_lite_chart")) == 2


def test_mode_copil_opens_the_presentation(demo_dir, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(demo_dir))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["mode"] = "copil"
    at.query_params["diapo"] = "7"
    at.run()
    check_slide(at, 7)


def test_the_deck_files_are_prepared_with_progress(app):
    at = app(PAGE, diapo="1")
    at.button(key="copil-preparer").click().run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Télécharger le PowerPoint" in labels and "Télécharger le PDF" in labels
    assert at.get("status") or at.get("expandable")


def _changes_subtitle(at) -> str:
    return next(m.value for m in at.markdown if "<div class='copil-subtitle'>" in m.value)


def test_the_comparison_snapshot_comes_from_the_link_or_the_selector(app):
    at = app(PAGE, diapo="7")
    assert "Du 31 août 2024 au 31 août 2025" in _changes_subtitle(at)          # default: a year earlier
    at = app(PAGE, diapo="7", depuis="2025-01-31")                              # as the README writes it
    assert not at.exception
    assert "Du 31 janvier 2025 au 31 août 2025" in _changes_subtitle(at)
    assert at.query_params["depuis"] == "31 janvier 2025"                       # the label Streamlit keeps
    at.selectbox(key="depuis").set_value("2025-03-31").run()
    assert "Du 31 mars 2025 au 31 août 2025" in _changes_subtitle(at)
    at = app(PAGE, diapo="7", depuis="2019-01-31")                              # no such snapshot: the default
    assert not at.exception
    assert "Du 31 août 2024 au 31 août 2025" in _changes_subtitle(at)
