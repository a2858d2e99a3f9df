"""Browser test helpers: a real `streamlit run` on the demo data and a headless Chromium page, network closed.

Registered for the whole test session by tests/conftest.py (`pytest_plugins`), so that one
Playwright instance serves every browser test module; modules import only the helpers
(`wait_idle`, `start_server`, `stop_server`), never the fixtures.

- `server` (session): base URL ("http://127.0.0.1:PORT") of the app started on the demo data.
- `browser` (session): Chromium from /usr/bin/chromium; the test is skipped, with the reason, when it is absent.
- `browser_page` / `page` (function): a fresh page where every request not addressed to 127.0.0.1/localhost
  is aborted and recorded in `blocked_requests` (a list of URLs) — assert it is empty to prove that the
  screen needed no internet.
- `wait_idle(page)`: wait until the script finished running and no status widget is shown.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from observatoire.serve import stop

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, port: int | None = None, timeout: float = 60.0, env: dict | None = None,
                 args: tuple[str, ...] = ()):
    """Start `streamlit run app.py` on data_dir; return (process, base_url) once /_stcore/health answers.
    env: more environment variables; args: more options of `streamlit run` (e.g. --secrets.files)."""
    port = port or free_port()
    env = dict(os.environ, OBSERVATOIRE_DATA_DIR=str(data_dir), **(env or {}))
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise RuntimeError(f"streamlit exited with code {proc.returncode}:\n{out}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.25)
    stop_server(proc)
    raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    stop(proc)   # terminate, then kill after 10 s


# Resolves once the page's DOM has not changed for `quiet` ms (at most `cap` ms: a page may animate).
QUIET_DOM = """([quiet, cap]) => new Promise(resolve => {
    let timer;
    const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, quiet); });
    function done() { observer.disconnect(); clearTimeout(limit); resolve(true); }
    const limit = setTimeout(done, cap);
    observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
    timer = setTimeout(done, quiet);
})"""


def wait_idle(page, timeout: float = 30_000) -> None:
    """Wait for the script run to finish (and the 'running' status widget to go away), then for the page to be
    drawn: Streamlit 1.67 marks the run over a moment before it draws the run's last elements (measured: the
    sidebar's filters appeared 200 ms after "notRunning" on a new session), so a test acting at once could find
    them missing."""
    page.wait_for_selector(READY, timeout=timeout)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)
    page.evaluate(QUIET_DOM, [300, 5_000])
    page.wait_for_selector(READY, timeout=timeout)


def open_detail_tab(page, url: str, indicator_id: str, tab: str) -> None:
    """Open an axis page, its detail on one indicator (its card's button), then one tab of the detail."""
    page.goto(url)
    wait_idle(page)
    page.locator(f".st-key-detail-{indicator_id} button").click()
    wait_idle(page)
    page.get_by_role("tab", name=tab).click()


def _serve(data_dir: Path):
    proc, base = start_server(data_dir)
    try:
        yield base
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def server(demo_dir):
    """Base URL of the app served by a real `streamlit run` on the demo data, shared by the session."""
    yield from _serve(demo_dir)


@pytest.fixture
def fresh_server(demo_dir):
    """Base URL of a server started for this test alone: its first request is the test's."""
    yield from _serve(demo_dir)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (system package); skipped with a clear reason when it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent: install it with `apt-get install chromium` to run browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def blocked_requests() -> list[str]:
    """URLs the page tried to fetch outside 127.0.0.1/localhost (all aborted)."""
    return []


@pytest.fixture
def browser_page(browser, blocked_requests):
    """A fresh page (1400×900) with the network closed to anything but the local server."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")

    def gate(route):
        url = route.request.url
        host = urlparse(url).hostname or ""
        if url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked_requests.append(url)
            route.abort()

    context.route("**/*", gate)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def page(browser_page):
    """Alias of browser_page (overrides pytest-playwright's `page` where imported)."""
    return browser_page
