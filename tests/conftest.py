"""Shared fixtures: the demo data directory (built once), fresh Streamlit caches, an AppTest factory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from observatoire.demo import build_demo

# Browser fixtures (server, browser, browser_page, blocked_requests) registered once for the whole
# session: one Playwright instance, whatever the number of browser test modules.
pytest_plugins = ["tests.support.browser"]

# No background cache warm-up in tests (components/warmup.py): each test clears the caches, and a warm-up thread
# would compete for the CPU; the tests of the warm-up turn it on themselves.
os.environ.setdefault("OBSERVATOIRE_WARM_CACHES", "0")

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
VIEWS = ROOT / "pages" / "views"


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """The embedded demo data, generated once per test session (a couple of seconds)."""
    path = tmp_path_factory.mktemp("demo")
    build_demo(path)
    return path


@pytest.fixture(autouse=True)
def fresh_caches():
    """st.cache_data and st.cache_resource are process-global: clear them around every test."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app(demo_dir, monkeypatch):
    """Factory: app(page_file=None, **query_params) -> AppTest already run on the demo data."""
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(demo_dir))

    def make(page: str | None = None, data_dir: Path | None = None, **params) -> AppTest:
        if data_dir is not None:
            monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(data_dir))
        return run_app(page, **params)

    return make


def run_app(page: str | None = None, prepare=None, **params) -> AppTest:
    """app.py in an AppTest with these URL parameters, run, then switched to `page` (a file of pages/views);
    `prepare(at)` sets secrets or the user first."""
    at = AppTest.from_file(APP, default_timeout=60)
    if prepare:
        prepare(at)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(str(VIEWS / page))
        at.run()
    return at


def open_tab(at: AppTest, axis_id: str, label: str) -> AppTest:
    """Open one tab of an axis page's detail ("Ventilation", "Classement"…), as a click does: only the open tab
    is drawn."""
    at.session_state[f"{axis_id}-onglet"] = label
    return at.run()
