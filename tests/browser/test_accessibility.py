"""Every page of both territories in Chromium: axe-core (RGAA / WCAG 2.1 AA), French text, keyboard.

The axe-core audit fails on any critical violation and on any serious one that Streamlit's own markup
does not explain (tests/support/a11y.py ALLOWED, also listed in the README's accessibility statement).
The same pass reads the visible text: no "None"/"nan", none of the English Streamlit writes by
default, no emoji (icons come from Material Symbols, served by the app itself: the network is closed), no
text cut with "…" on a 1 280 px screen; and the page's language and accessible names in French.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect

from observatoire.demo import build_demo
from tests.support.a11y import AXE, audit, ours
from tests.support.browser import start_server, stop_server, wait_idle

pytestmark = pytest.mark.browser

LONG = 180_000  # ms: the Hauts-de-France pages query two million facts on a cold cache
# Visible text nodes only: hidden, aria-hidden (icon ligatures such as "home") and visually hidden ones skipped.
VISIBLE_TEXT = """() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent.trim();
        if (!text) continue;
        let shown = true;
        for (let e = node.parentElement; e; e = e.parentElement) {
            const style = getComputedStyle(e);
            if (e.getAttribute('aria-hidden') === 'true' || style.display === 'none' || style.visibility === 'hidden'
                || style.clipPath === 'inset(50%)' || e.tagName === 'STYLE' || e.tagName === 'SCRIPT') {
                shown = false; break;
            }
        }
        if (shown) out.push(text);
    }
    return out.join('\\n');
}"""
NOT_FRENCH = re.compile(r"\b(None|nan|NaN|Upload|Browse files|Drag and drop|per file|Page not found|Running|"
                        r"Download|Show data|No results)\b")
# The accessible names (read by screen readers, never seen) Streamlit 1.67 writes in English.
ENGLISH_NAME = re.compile(r"^(App pages|Sidebar|Collapse sidebar|Expand sidebar|Open|Close|Link to heading|Fullscreen|"
                          r"Search|Download as|Copy Vega|Show data|Show/hide|Help for|Skip to main|Choose|Clear all|"
                          r"Selected values|Increment|Decrement|Remove |file upload|day, |month, |year, |.* icon$|"
                          r"Title text|X-axis|Y-axis|Vega visualization|Upload$)")
ACCESSIBLE_NAMES = """() => {
    const out = [];
    for (const e of document.querySelectorAll('[aria-label], [title], [placeholder], a[href="#stMain"]')) {
        if (e.closest('[aria-hidden="true"]')) continue;
        for (const a of ['aria-label', 'title', 'placeholder']) if (e.getAttribute(a)) out.push(e.getAttribute(a));
        if (e.matches('a[href="#stMain"]')) out.push(e.textContent.trim());
    }
    for (const b of document.querySelectorAll('[data-testid="stFileUploaderDropzone"] button')) {
        out.push(b.getAttribute('aria-label') || b.textContent.trim());   // its name: the label, else its text
    }
    return {lang: document.documentElement.lang, names: out};
}"""
# Texts Streamlit cuts with "…" at their box's width, visible ones only (visually hidden ones skipped).
CUT_TEXT = """() => [...document.querySelectorAll('body *')].filter(e => {
    const s = getComputedStyle(e);
    if (s.textOverflow !== 'ellipsis' || e.scrollWidth <= e.clientWidth + 1 || !e.getClientRects().length
        || !e.textContent.trim()) return false;
    for (let a = e; a; a = a.parentElement) if (getComputedStyle(a).clipPath === 'inset(50%)') return false;
    return true;
}).map(e => e.textContent.trim())"""
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")


@pytest.fixture(scope="module")
def hdf_server(tmp_path_factory):
    path = tmp_path_factory.mktemp("hdf-a11y")
    build_demo(path, territory_name="hauts-de-france")
    proc, base = start_server(path, timeout=120)
    try:
        yield base
    finally:
        stop_server(proc)


def _menu(page) -> list[str]:
    """Paths of every page in the sidebar menu ("" for the Synthèse)."""
    hrefs = page.locator('[data-testid="stSidebarNav"] a').evaluate_all("links => links.map(a => a.pathname)")
    return ["" if h.strip("/") == "synthese" else h.strip("/") for h in hrefs]


def _pass(page, base: str) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci --prefix tests/a11y)")
    page.set_viewport_size({"width": 1280, "height": 900})   # the narrowest screen of the issue: 1 280 px
    page.goto(base + "/")
    wait_idle(page, LONG)
    paths = _menu(page)
    assert len(paths) >= 12, paths
    problems = []
    for path in paths:
        page.goto(f"{base}/{path}")
        wait_idle(page, LONG)
        where = f"/{path}"
        problems += [f"{where}: {line}" for line in ours(audit(page))]
        text = page.evaluate(VISIBLE_TEXT)
        problems += [f"{where}: not French: {m!r}" for m in sorted(set(NOT_FRENCH.findall(text)))]
        problems += [f"{where}: emoji {m!r}" for m in sorted(set(EMOJI.findall(text)))]
        problems += _english_names(page, where)
        problems += [f"{where}: text cut at 1 280 px: {t!r}" for t in sorted(set(page.evaluate(CUT_TEXT)))]
        if page.locator('[data-testid="stException"]').count():
            problems.append(f"{where}: an exception box")
    return problems


def _english_names(page, where: str) -> list[str]:
    """The page's language and Streamlit's English accessible names, as the renaming script leaves them.

    The script runs once its element is drawn, then a frame after each change of the page (Streamlit redraws a
    chart's toolbar on its own): a name counts when it is still English half a second later."""
    try:
        page.wait_for_function("document.documentElement.lang === 'fr'", timeout=10_000)
    except PlaywrightTimeout:
        return [f"{where}: the page's language is {page.evaluate('document.documentElement.lang')!r}, not 'fr'"]
    english = set()
    for attempt in range(2):
        if attempt:
            page.wait_for_timeout(500)
        found = {n for n in page.evaluate(ACCESSIBLE_NAMES)["names"] if ENGLISH_NAME.match(n)}
        english = found if not attempt else english & found
    return [f"{where}: English accessible name {n!r}" for n in sorted(english)]


def test_every_guyane_page(server, browser_page, blocked_requests):
    problems = _pass(browser_page, server)
    assert not problems, "\n".join(problems)
    assert blocked_requests == []


def test_every_hauts_de_france_page(hdf_server, browser_page, blocked_requests):
    problems = _pass(browser_page, hdf_server)
    assert not problems, "\n".join(problems)
    assert blocked_requests == []


def test_menu_icons_are_material_symbols_from_the_app(server, browser_page, blocked_requests):
    page = browser_page
    page.goto(server + "/")
    wait_idle(page)
    icons = page.locator('[data-testid="stSidebarNav"] [data-testid="stIconMaterial"]')
    assert icons.count() >= 12
    loaded = page.evaluate("""async () => { await document.fonts.ready;
        return [...document.fonts].filter(f => f.family.includes('Material Symbols')).map(f => f.status); }""")
    assert "loaded" in loaded, loaded
    assert blocked_requests == []


FOCUSED = """() => { const e = document.activeElement;
    return [e.tagName, e.getAttribute('role') || '', !!e.closest('[data-testid=stSidebar]'), e.pathname || '']; }"""


def _tab_until(page, done, presses: int = 80) -> list:
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUSED))
        if done(seen[-1]):
            break
    return seen


def test_keyboard_reaches_the_filters_and_opens_a_page(server, browser_page):
    page = browser_page
    page.goto(server + "/")
    wait_idle(page)
    seen = _tab_until(page, lambda f: f[0] == "INPUT" and f[1] == "combobox" and f[2])
    assert seen[-1][:3] == ["INPUT", "combobox", True], seen
    page.goto(server + "/")
    wait_idle(page)
    seen = _tab_until(page, lambda f: f[3].strip("/") == "explorateur")
    assert seen[-1][3].strip("/") == "explorateur", seen
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r".*/explorateur(\?.*)?$"), timeout=15_000)   # the page switch lands
    wait_idle(page)
    assert page.get_by_role("heading", name="Explorateur").count() == 1
