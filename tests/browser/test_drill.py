"""In a real browser: a group picked in the breakdown table becomes the global filter, one échelon down."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support.browser import open_detail_tab, wait_idle

pytestmark = pytest.mark.browser


def test_a_zone_picked_in_the_breakdown_filters_the_page_and_breaks_down_by_circonscription(server, browser_page):
    page = browser_page
    open_detail_tab(page, f"{server}/axe-3", "ent1d_taux_usages", "Ventilation")
    choice = page.locator(".st-key-axe3-ventilation")
    choice.click()
    page.get_by_role("option", name="Zone", exact=True).click()
    wait_idle(page)
    page.get_by_text("Sélectionnez une ligne pour ne garder que ce groupe (zone)").wait_for()
    grid = page.locator(".st-key-axe3-ventilation-tableau-zone")
    grid.wait_for()
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)   # the row marker of the first row
    page.wait_for_url(re.compile(r".*zone=.*"))
    wait_idle(page)
    assert parse_qs(urlparse(page.url).query).get("zone"), page.url
    page.get_by_text("Taux d'usage de l'ENT école par circonscription, au").first.wait_for()
    page.get_by_text("Sélectionnez une ligne pour ne garder que ce groupe (circonscription)").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
