"""In a real browser: deep links on a fresh server, filters across page switches, no exception box."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from components.shell import PAGES, VIEWS
from tests.support.browser import wait_idle

pytestmark = pytest.mark.browser
URLS = [url if url != "synthese" else "" for entries in PAGES.values() for name, _t, url, _i in entries
        if (VIEWS / name).exists()]


def _combo(page, label: str):
    return page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label)


def _selected(page, label: str) -> str:
    """Text shown in the sidebar selectbox whose label is `label`."""
    return _combo(page, label).input_value()


@pytest.mark.parametrize(("path", "value"), [("donnees", "C05"), ("", "C05"), ("axe-1", "C05"),
                                             ("axe-1", "Macouria-Montsin%C3%A9ry")])
def test_deep_link_is_the_first_request_on_a_fresh_server(fresh_server, browser_page, blocked_requests, path, value):
    page = browser_page
    page.goto(f"{fresh_server}/{path}?circonscription={value}")
    # The code is rewritten to its label, then the script reruns: wait for that second run, not the first.
    page.wait_for_url(re.compile(r".*circonscription=Macouria"), timeout=60_000)
    wait_idle(page)
    expect(_combo(page, "Circonscription (1er degré)")).to_have_value(re.compile("Macouria-Montsinéry"))
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    # The code in the link is replaced by the label Streamlit keeps, so the address stays shareable.
    assert parse_qs(urlparse(page.url).query).get("circonscription") == ["Macouria-Montsinéry"]
    assert urlparse(page.url).path.rstrip("/").endswith(f"/{path}".rstrip("/"))
    assert page.get_by_text("Page not found").count() == 0
    if path in ("", "axe-1"):
        expect(page.get_by_text("Non ventilé", exact=False).first).to_be_visible()
        # The cards show the circonscription's numbers, not the académie's: the caption names it.
        expect(page.get_by_text("circonscription : Macouria-Montsinéry").first).to_be_visible()
    assert not blocked_requests, blocked_requests


def test_switching_pages_keeps_filters_on_screen_and_in_the_url(server, browser_page):
    page = browser_page
    page.goto(f"{server}/?circonscription=Cayenne+1&degre=1er+degr%C3%A9")
    wait_idle(page)
    # The ready marker can show before the first run has drawn the sidebar: click only once the
    # filters are on screen, as a person would.
    expect(_combo(page, "Circonscription (1er degré)")).to_have_value(re.compile("Cayenne 1"))
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Catalogue et instantanés").click()
    page.wait_for_url(re.compile(r".*/donnees.*"))
    wait_idle(page)
    query = parse_qs(urlparse(page.url).query)
    assert query.get("circonscription") == ["Cayenne 1"]
    assert query.get("degre") == ["1er degré"]
    assert "Cayenne 1" in _selected(page, "Circonscription (1er degré)")
    page.go_back()
    page.wait_for_url(lambda url: "/donnees" not in url)
    wait_idle(page)
    assert "Cayenne 1" in _selected(page, "Circonscription (1er degré)")


def test_choosing_a_filter_writes_it_in_the_url(server, browser_page):
    page = browser_page
    page.goto(f"{server}/")
    wait_idle(page)
    combo = _combo(page, "Commune")
    combo.click()
    combo.fill("Maripas")
    page.get_by_role("option", name="Maripasoula").first.click()
    page.wait_for_url(re.compile(r".*commune=Maripasoula.*"))
    # The address changes as the option is picked, a moment before the run it starts: wait for the page's words.
    expect(page.locator('[data-testid="stCaptionContainer"]').first).to_contain_text("Maripasoula", timeout=60_000)


@pytest.mark.parametrize("path", URLS)
def test_no_page_shows_an_exception(server, browser_page, blocked_requests, path):
    page = browser_page
    page.goto(f"{server}/{path}?isolement=Isol%C3%A9")
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0, path
    assert page.locator('[data-testid="stAlert"]').filter(has_text="démonstration").count() >= 1
    assert not blocked_requests, blocked_requests
