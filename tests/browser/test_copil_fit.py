"""The presentation on a projector, in headless Chromium: at 1280×720 and 1920×1080 every slide's content lies
inside the window (no scrolling), the type stays large, no download button sits on the projected slide; a
presentation remote's Page Down / Page Up move between slides and the URL follows; /axe-2?mode=copil opens
the Axe 2 slide, and a reload stays there."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.support.browser import wait_idle

SLIDES = 8
COUNTER = ".st-key-copil-counter"
# Every visible element of the slide and its footer, with its box; the largest bullet type.
MEASURE = """() => {
    const boxes = [];
    for (const el of document.querySelectorAll('.st-key-copil-slide *, .st-key-copil-footer *')) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) boxes.push([el.tagName, r.left, r.top, r.right, r.bottom]);
    }
    const li = [...document.querySelectorAll('.st-key-copil-slide li')].find(e => e.getBoundingClientRect().height > 0);
    const bar = document.querySelector('.st-key-copil-bar').getBoundingClientRect();
    return {boxes, width: window.innerWidth, height: window.innerHeight,
            bullet_px: li ? parseFloat(getComputedStyle(li).fontSize) : null, bar_px: bar.height,
            downloads: [...document.querySelectorAll('.st-key-copil-slide [data-testid="stDownloadButton"]')]
                       .filter(e => e.getBoundingClientRect().height > 0).length};
}"""


def _counter(page) -> str:
    return page.locator(COUNTER).inner_text().strip()


def _wait_for_slide(page, number: int) -> None:
    page.wait_for_function(f"document.querySelector('{COUNTER}')?.innerText.trim().startsWith('{number} ')",
                           timeout=60_000)
    wait_idle(page, 60_000)


def _check_fits(page, number: int) -> None:
    page.wait_for_selector('.st-key-copil-slide [data-testid="stVegaLiteChart"], .st-key-copil-slide li',
                           timeout=60_000)
    # A slide's elements can show a moment before the page's style block does (a new session's first run): give
    # the style the time to land; if it never does, the size check below fails.
    try:
        page.wait_for_function("""() => { const li = [...document.querySelectorAll('.st-key-copil-slide li')]
            .find(e => e.getBoundingClientRect().height > 0);
            return !li || parseFloat(getComputedStyle(li).fontSize) >= 20; }""", timeout=15_000)
    except PlaywrightTimeout:
        pass
    m = page.evaluate(MEASURE)
    assert len(m["boxes"]) > 5, f"slide {number}: nothing measured"
    outside = [b for b in m["boxes"] if b[1] < -0.5 or b[2] < -0.5 or b[3] > m["width"] + 0.5 or b[4] > m["height"] + 0.5]
    assert not outside, f"slide {number} overflows the {m['width']}×{m['height']} window: {outside[:3]}"
    assert m["bullet_px"] is None or m["bullet_px"] >= 20, f"slide {number}: type too small ({m['bullet_px']} px)"
    assert m["bar_px"] <= 60, f"the presenter bar takes {m['bar_px']} px"
    assert m["downloads"] == 0, f"slide {number}: download buttons on the projected slide"


@pytest.mark.browser
@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_every_slide_fits_and_page_down_moves_with_the_url(server, browser_page, blocked_requests, width, height):
    page = browser_page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(server + "/presentation?mode=copil")
    wait_idle(page, 60_000)
    page.wait_for_selector(COUNTER, timeout=60_000)
    page.wait_for_function("window.__copilKeys === true", timeout=60_000)   # the remote's keys are listened to
    for number in range(1, SLIDES + 1):
        assert _counter(page) == f"{number} / {SLIDES}"
        _check_fits(page, number)
        if number > 1:
            assert f"slide={number}" in page.url
        if number < SLIDES:
            page.keyboard.press("PageDown")        # what a presentation remote sends
            _wait_for_slide(page, number + 1)
    page.keyboard.press("PageUp")
    _wait_for_slide(page, SLIDES - 1)
    assert f"slide={SLIDES - 1}" in page.url
    page.keyboard.press("ArrowLeft")
    _wait_for_slide(page, SLIDES - 2)
    page.keyboard.press("ArrowRight")
    _wait_for_slide(page, SLIDES - 1)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert blocked_requests == [], f"the presentation wanted the internet: {blocked_requests[:5]}"


@pytest.mark.browser
def test_an_axis_page_in_copil_mode_opens_its_slide_and_a_reload_stays(server, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(server + "/axe-2?mode=copil")
    wait_idle(page, 60_000)
    _wait_for_slide(page, 4)
    assert "Axe 2" in page.locator(".st-key-copil-slide h1").inner_text()
    page.wait_for_function("location.href.includes('slide=4')", timeout=60_000)
    page.wait_for_function("window.__copilKeys === true", timeout=60_000)   # the remote's keys are listened to
    page.keyboard.press("PageDown")
    _wait_for_slide(page, 5)
    page.wait_for_function("location.href.includes('slide=5')", timeout=60_000)
    page.reload()
    wait_idle(page, 60_000)
    _wait_for_slide(page, 5)
    assert "Axe 3" in page.locator(".st-key-copil-slide h1").inner_text()
