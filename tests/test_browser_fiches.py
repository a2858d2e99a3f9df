"""In a real browser: a row picked in a ranking opens the school's fiche, with the filters kept."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser_support import wait_idle

pytestmark = pytest.mark.browser


def _click_first_row(page, grid) -> None:
    """Tick the row marker of the first data row of a st.dataframe (a canvas grid)."""
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)


def test_ranking_row_opens_the_fiche_etablissement(server, browser_page, blocked_requests):
    page = browser_page
    page.goto(f"{server}/axe-3?circonscription=C01")
    wait_idle(page)
    page.locator(".st-key-detail-ent1d_taux_usages button").click()
    wait_idle(page)
    page.get_by_role("tab", name="Classement").click()
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
