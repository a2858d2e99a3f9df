"""The Carte page in headless Chromium with the network closed: the canvas draws, clicks filter and open fiches."""

from __future__ import annotations

import io
import json
import math
import urllib.parse

import pytest

from components.maps import collection_bounds, fit_view, simplify_boundaries
from observatoire.metrics.coverage import query_params, service
from observatoire.model.filters import Filters
from observatoire.model.geo import contains
from observatoire.storage.store import Store
from tests.support.browser import wait_idle

PIL = pytest.importorskip("PIL.Image", reason="Pillow is needed to count the canvas pixels")
CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'
ISOLE = (0xD5, 0x5E, 0x00)


def drawn_pixels(png: bytes, background=(255, 255, 255), tolerance: int = 12) -> int:
    """Pixels of a screenshot that differ from the background colour."""
    image = PIL.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for px in image.getdata() if max(abs(a - b) for a, b in zip(px, background)) > tolerance)


def pixels_near(png: bytes, colour, tolerance: int = 40) -> int:
    image = PIL.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for px in image.getdata() if max(abs(a - b) for a, b in zip(px, colour)) <= tolerance)


def test_pixel_count_fails_on_a_blank_canvas():
    """The check used below cannot pass on an empty map."""
    blank = io.BytesIO()
    PIL.new("RGB", (400, 300), (255, 255, 255)).save(blank, format="PNG")
    assert drawn_pixels(blank.getvalue()) == 0
    dot = PIL.new("RGB", (400, 300), (255, 255, 255))
    dot.putpixel((10, 10), ISOLE)
    out = io.BytesIO()
    dot.save(out, format="PNG")
    assert drawn_pixels(out.getvalue()) == 1 and pixels_near(out.getvalue(), ISOLE) == 1


def _open_carte(page, base: str, via_menu: bool = False) -> None:
    if via_menu:
        page.goto(base + "/")
        wait_idle(page)
        page.get_by_role("link", name="Carte du territoire").click()
        page.wait_for_url("**/carte**")
    else:
        page.goto(base + "/carte")
    wait_idle(page)
    page.wait_for_selector(CANVAS, timeout=30_000)
    page.wait_for_timeout(1500)       # deck.gl draws on the next animation frames


def _click_until(page, x: float, y: float, url_glob: str, tries: int = 3) -> None:
    """Click (x, y) until the URL matches: under load a click can land while deck.gl is still settling."""
    for attempt in range(tries):
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        try:
            page.wait_for_url(url_glob, timeout=15_000)
            return
        except Exception:
            if attempt == tries - 1:
                raise
            wait_idle(page)


def _project(lon: float, lat: float, view, box) -> tuple[float, float]:
    """Page coordinates of (lon, lat) in the deck's Web Mercator view (512 px tiles), centred on the canvas."""
    scale = 512 * 2 ** view.zoom / (2 * math.pi)

    def merc(value):
        return math.log(math.tan(math.pi / 4 + math.radians(value) / 2))

    x = box["x"] + box["width"] / 2 + math.radians(lon - view.longitude) * scale
    y = box["y"] + box["height"] / 2 - (merc(lat) - merc(view.latitude)) * scale
    return x, y


@pytest.fixture(scope="module")
def geometry(demo_dir):
    store = Store(demo_dir)
    light = simplify_boundaries(store.territory.boundaries)
    points = store.run("site_points", snapshot_date=store.snapshot_dates[-1],
                       **query_params(service("ent2d"), store.catalog), **Filters().params())
    return light, fit_view(collection_bounds(light)), points


@pytest.mark.browser
def test_map_draws_offline(server, browser_page, blocked_requests):  # noqa: F811
    _open_carte(browser_page, server)
    canvas = browser_page.locator(CANVAS).first
    png = canvas.screenshot()
    box = canvas.bounding_box()
    area = box["width"] * box["height"]
    assert drawn_pixels(png) > 0.15 * area, "the map canvas is (almost) blank"
    assert pixels_near(png, ISOLE) > 20, "isolated sites (orange-red) are not visible"
    assert blocked_requests == [], f"the page wanted the internet: {blocked_requests[:5]}"
    assert browser_page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.browser
def test_click_on_a_commune_filters_the_app(server, browser_page, blocked_requests, geometry):  # noqa: F811
    light, view, points = geometry
    saul = next(f for f in light["features"] if f["properties"]["insee"] == "97352")
    _open_carte(browser_page, server, via_menu=True)
    box = browser_page.locator(CANVAS).first.bounding_box()
    # a point well inside Saül and away from every site (sites are drawn over the communes)
    sites_px = [_project(r.lon, r.lat, view, box) for r in points.itertuples()]
    west, south, east, north = collection_bounds({"features": [saul]})
    target = None
    for i in range(1, 20):
        for j in range(1, 20):
            lon, lat = west + (east - west) * i / 20, south + (north - south) * j / 20
            if contains(saul["geometry"], lon, lat):
                x, y = _project(lon, lat, view, box)
                if all(math.hypot(x - a, y - b) > 25 for a, b in sites_px):
                    target = (x, y)
                    break
        if target:
            break
    assert target, "no free point inside Saül"
    _click_until(browser_page, *target, "**commune=**")
    wait_idle(browser_page)
    assert "commune=Sa%C3%BCl" in browser_page.url or "commune=Saül" in urllib.parse.unquote(browser_page.url)
    assert "commune : Saül" in browser_page.locator('[data-testid="stCaptionContainer"]').first.inner_text()
    # the filter holds on another page
    browser_page.get_by_role("link", name="Synthèse").click()
    wait_idle(browser_page)
    assert "commune : Saül" in browser_page.locator('[data-testid="stCaptionContainer"]').first.inner_text()
    assert blocked_requests == []


@pytest.mark.browser
def test_click_on_a_site_opens_its_fiche(server, browser_page, blocked_requests, geometry):  # noqa: F811
    _light, view, points = geometry
    _open_carte(browser_page, server, via_menu=True)
    box = browser_page.locator(CANVAS).first.bounding_box()
    located = [(r.uai, *_project(r.lon, r.lat, view, box)) for r in points.itertuples()]
    lonely = [(uai, x, y) for uai, x, y in located
              if box["x"] + 10 < x < box["x"] + box["width"] - 10 and box["y"] + 10 < y < box["y"] + box["height"] - 10
              and all(math.hypot(x - a, y - b) > 18 for other, a, b in located if other != uai)]
    assert lonely, "no site stands alone on the map"
    uai, x, y = lonely[0]
    _click_until(browser_page, x, y, "**/etablissement**")
    wait_idle(browser_page)
    # the fiche binds ?uai= to its search box and may rewrite or drop it: check the fiche shown instead
    browser_page.get_by_text(uai).first.wait_for(timeout=15_000)
    assert browser_page.locator('[data-testid="stException"]').count() == 0
    assert blocked_requests == []
