"""The presentation in headless Chromium at projector size (1920×1080), network closed: every slide by
previous/next with its number in the URL, the demo notice and the footer on screen, large type, no
sidebar, and the synthesis chart actually drawn."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.support.browser import wait_idle

PIL = pytest.importorskip("PIL.Image", reason="Pillow is needed to count the chart pixels")
SLIDES = 8
COUNTER = ".st-key-copil-counter"
LATE = (0xD5, 0x5E, 0x00)        # "en retard" in the status chart (observatoire/copil/charts.py, STATUS_COLORS)


def pixels_near(png: bytes, colour, tolerance: int = 30) -> int:
    image = PIL.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for px in image.getdata() if max(abs(a - b) for a, b in zip(px, colour)) <= tolerance)


def _counter(page) -> str:
    return page.locator(COUNTER).inner_text().strip()


def _check_screen(page, number: int) -> None:
    assert _counter(page) == f"{number} / {SLIDES}"
    height = page.viewport_size["height"]
    footer = page.locator(".st-key-copil-footer").bounding_box()
    assert footer and footer["y"] + footer["height"] <= height, f"slide {number}: the footer is below the screen"
    assert "Instantané du" in page.locator(".st-key-copil-footer").inner_text()
    # A new session's first run can draw the slide a moment before the page's style block (as in
    # test_copil_fit): give the style the time to land; if it never does, the size check below fails.
    try:
        page.wait_for_function("""() => { const li = document.querySelector('.st-key-copil-slide li');
            return !li || parseFloat(getComputedStyle(li).fontSize) >= 20; }""", timeout=15_000)
    except PlaywrightTimeout:
        pass
    sizes = page.evaluate("""() => {
        const px = el => el ? parseFloat(getComputedStyle(el).fontSize) : 0;
        return [px(document.querySelector('.st-key-copil-slide h1')),
                px(document.querySelector('.st-key-copil-slide li'))];
    }""")
    assert sizes[0] >= 40 and sizes[1] >= 22, f"slide {number}: type too small for a projector {sizes}"


@pytest.mark.browser
def test_presentation_steps_through_every_slide_offline(server, browser_page, blocked_requests):  # noqa: F811
    page = browser_page
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(server + "/?mode=copil")
    wait_idle(page, 60_000)
    page.wait_for_selector(COUNTER, timeout=30_000)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    # the demo notice is on screen and on top (the top bar, hidden here, used to cover it)
    notice = page.get_by_text("Données de démonstration").first
    box = notice.bounding_box()
    assert box and box["y"] >= 0
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.closest('[data-testid=\"stAlert\"], "
                           "[data-testid=\"stAlertContainer\"], [data-testid=\"stMarkdownContainer\"]') !== null",
                           [box["x"] + 5, box["y"] + box["height"] / 2])
    assert on_top, "the demo notice is covered"
    for number in range(1, SLIDES + 1):
        _check_screen(page, number)
        if number > 1:
            assert f"slide={number}" in page.url
        if number == 2:   # the status bars are drawn, not squeezed into a line
            chart = page.locator('.st-key-copil-slide [data-testid="stVegaLiteChart"]').first
            chart.scroll_into_view_if_needed()
            page.wait_for_timeout(800)
            assert pixels_near(chart.screenshot(), LATE) > 3000, "the synthesis chart has no visible bars"
        if number < SLIDES:
            page.get_by_role("button", name="Suivante").click()
            page.wait_for_function(f"document.querySelector('{COUNTER}').innerText.trim().startsWith('{number + 1} ')",
                                   timeout=30_000)
            wait_idle(page, 60_000)
    page.reload()
    wait_idle(page, 60_000)
    page.wait_for_selector(COUNTER, timeout=30_000)
    assert _counter(page) == f"{SLIDES} / {SLIDES}"              # a reload stays on the slide
    page.get_by_role("button", name="Précédente").click()
    page.wait_for_function(f"document.querySelector('{COUNTER}').innerText.trim().startsWith('{SLIDES - 1} ')",
                           timeout=30_000)
    assert f"slide={SLIDES - 1}" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
    assert blocked_requests == [], f"the presentation wanted the internet: {blocked_requests[:5]}"
