"""Every page renders (AppTest), with and without filters, several reruns; filters live in the URL."""

from __future__ import annotations

import pytest

from components.shell import PAGES, VIEWS

PAGE_FILES = [name for entries in PAGES.values() for name, *_ in entries if (VIEWS / name).exists()]
FILTER_CASES = [
    {},
    {"circonscription": "C05"},
    {"commune": "97353", "isolement": "isole"},
    {"degre": "2", "bassin": "B4"},
    {"date": "2024-01-31"},
]


def _errors(at) -> list[str]:
    return [e.value for e in at.exception] + [e.value for e in at.error]


@pytest.mark.parametrize("page", PAGE_FILES)
@pytest.mark.parametrize("params", FILTER_CASES, ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()) or "none")
def test_every_page_renders_with_filters(app, page, params):
    at = app(page, **params)
    assert not _errors(at), _errors(at)
    for _ in range(3):
        at.run()
        assert not _errors(at), _errors(at)
    assert any("démonstration" in w.value for w in at.warning), "demo label missing"
    for key, value in params.items():
        widget = at.selectbox(key=key)
        assert str(widget.value) == value, f"{key} not applied on {page}"


def test_link_with_label_or_code_selects_the_same_circonscription(app):
    by_code = app(None, circonscription="C01")
    by_label = app(None, circonscription="Cayenne 1")
    assert by_code.selectbox(key="circonscription").value == "C01"
    assert by_label.selectbox(key="circonscription").value == "C01"


def test_filters_survive_page_switch(app):
    at = app(None, circonscription="C05", degre="1")
    at.switch_page(str(VIEWS / "donnees.py")).run()
    assert at.selectbox(key="circonscription").value == "C05"
    assert at.selectbox(key="degre").value == 1
    assert not _errors(at)


def test_commune_indicator_marked_non_ventile_under_circonscription(app):
    at = app(None, circonscription="C05")
    infos = [i.value for i in at.info]
    assert any(text.startswith("Non ventilé") for text in infos)
    # Without the filter, the same card shows a number.
    plain = app(None)
    assert not any(i.value.startswith("Non ventilé") for i in plain.info)


def test_every_page_has_its_deep_link_shim():
    from components.shell import menu
    from observatoire.model.catalog import load_catalog
    from observatoire.settings import BUNDLED_TERRITORIES

    shims = {p.stem for p in (VIEWS.parent).glob("*.py")}
    urls = {url for entries in PAGES.values() for _n, _t, url, _i in entries if url != "synthese"}
    for roadmap in BUNDLED_TERRITORIES.glob("*/roadmap.toml"):  # axis pages of every bundled roadmap
        urls |= {url for entries in menu(load_catalog(roadmap)).values() for _n, _t, url, _i in entries}
    urls.discard("synthese")
    assert shims == urls
    for shim in (VIEWS.parent).glob("*.py"):
        assert "runpy.run_path" in shim.read_text(encoding="utf-8")


def test_canonical_link_rewrites_codes_to_labels():
    from components.state import canonical_link

    names = {"C01": "Cayenne 1", "C05": "Macouria-Montsinéry"}
    specs = [("circonscription", [None, *names], lambda v: "Toutes" if v is None else names[v]),
             ("degre", [None, 1, 2], lambda v: "Tous" if v is None else f"{v}er degré")]
    assert canonical_link(specs, {"circonscription": "C05", "degre": "1"}) == {
        "circonscription": "Macouria-Montsinéry", "degre": "1er degré"}
    assert canonical_link(specs, {"circonscription": "cayenne 1"}) == {"circonscription": "Cayenne 1"}
    assert canonical_link(specs, {"circonscription": "Cayenne 1", "zone": "x"}) == {}
    assert canonical_link(specs, {"circonscription": "inconnue"}) == {}
