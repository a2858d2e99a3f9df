"""In a real browser: a row picked in a ranking opens the school's fiche, with the filters kept."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support.browser import open_detail_tab, wait_idle

pytestmark = pytest.mark.browser


def _click_first_row(page, grid) -> None:
    """Tick the row marker of the first data row of a st.dataframe (a canvas grid)."""
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)


def test_ranking_row_opens_the_fiche_etablissement(server, browser_page, blocked_requests):
    page = browser_page
    open_detail_tab(page, f"{server}/axe-3?circonscription=C01", "ent1d_taux_usages", "Classement")
    grid = page.locator(".st-key-axe3-classement")
    grid.wait_for()
    page.wait_for_timeout(500)
    _click_first_row(page, grid)
    page.wait_for_url(re.compile(r".*/etablissement\?.*"))
    wait_idle(page)
    query = parse_qs(urlparse(page.url).query)
    assert query.get("circonscription") == ["Cayenne 1"], page.url
    assert re.fullmatch(r".+ — Cayenne \(973\d{4}[A-Z]\)", query.get("uai", [""])[0]), page.url
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Médiane", exact=False).count() > 0
    assert not blocked_requests, blocked_requests


def test_commune_sites_row_opens_the_fiche_etablissement(server, browser_page):
    page = browser_page
    page.goto(f"{server}/commune?code=97353")
    wait_idle(page)
    grid = page.locator(".st-key-commune-sites")
    grid.wait_for()
    page.wait_for_timeout(500)
    _click_first_row(page, grid)
    page.wait_for_url(re.compile(r".*/etablissement\?.*"))
    wait_idle(page)
    assert "— Maripasoula (973" in parse_qs(urlparse(page.url).query).get("uai", [""])[0], page.url
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_bare_uai_link_opens_the_fiche_on_a_fresh_server_and_reloads_it(demo_dir, browser_page):
    """The first request a new server gets is a hand-written link with the bare code, in lower case."""
    import pandas as pd

    from tests.support.browser import start_server, stop_server

    site = pd.read_parquet(demo_dir / "reference" / "sites.parquet").iloc[7]
    proc, base = start_server(demo_dir)
    try:
        page = browser_page
        page.goto(f"{base}/etablissement?uai={site['uai'].lower()}")
        wait_idle(page)
        page.get_by_role("heading", name=site["name"]).first.wait_for(timeout=15_000)
        page.wait_for_url(re.compile(rf".*uai=.+%28{site['uai']}%29.*"))   # the label now, '(UAI)' at its end
        shared = page.url
        assert page.locator('[data-testid="stException"]').count() == 0
        page.goto(shared)  # the address a user copies reopens the same fiche
        wait_idle(page)
        page.get_by_role("heading", name=site["name"]).first.wait_for(timeout=15_000)
        assert page.url == shared
    finally:
        stop_server(proc)


def test_a_typed_search_lists_the_school_and_a_click_opens_its_fiche(server, browser_page):
    page = browser_page
    page.goto(f"{server}/etablissement")
    wait_idle(page)
    box = page.locator(".st-key-recherche-etablissement input")
    box.fill("maripasoula")
    box.press("Enter")
    wait_idle(page)
    first = page.locator('[class*="st-key-recherche-etablissement-"] button').first
    label = first.inner_text()
    assert "— Maripasoula (973" in label, label
    first.click()
    page.wait_for_url(re.compile(r".*/etablissement\?.*uai=.*"))
    wait_idle(page)
    assert parse_qs(urlparse(page.url).query).get("uai") == [label], page.url
    page.get_by_role("heading", name=label.split(" — ")[0]).first.wait_for(timeout=15_000)
    assert page.locator('[data-testid="stException"]').count() == 0
