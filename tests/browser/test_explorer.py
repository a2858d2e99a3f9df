"""The explorer in a real browser: a shared link (the labels Streamlit writes) reopens the same view."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from tests.support import maroni_fixture as mf
from tests.support.browser import start_server, stop_server, wait_idle

pytestmark = pytest.mark.browser

LINK = [("zone", "Haut-Maroni"), ("type", "École"), ("date", "31 janvier 2025"),
        ("indicateurs", "Comptes élèves activés (ENT école)"), ("indicateurs", "Taux d'usage de l'ENT école"),
        ("ventilation", "Établissement"), ("eleves", "100"), ("valeurs", "Sans valeur ou valeur nulle")]


@pytest.fixture(scope="module")
def maroni_server(tmp_path_factory):
    proc, base = start_server(mf.build(tmp_path_factory.mktemp("maroni-browser")))
    yield base
    stop_server(proc)


def counts(page) -> list[str]:
    return [line for line in page.inner_text("body").splitlines() if "établissements sur" in line]


def test_shared_link_reopens_the_same_view(maroni_server, browser):
    page = browser.new_page()
    try:
        page.goto(f"{maroni_server}/explorateur?{urlencode(LINK)}")
        wait_idle(page)
        page.wait_for_timeout(1000)
        wait_idle(page)
        first = counts(page)
        assert len(first) == 2 and all(line.startswith("2 établissements sur 5") for line in first)
        kept = parse_qs(urlparse(page.url).query)
        assert kept["indicateurs"] == [LINK[3][1], LINK[4][1]]
        assert kept["ventilation"] == ["Établissement"] and kept["eleves"] == ["100"]
        again = browser.new_page()
        again.goto(page.url)
        wait_idle(again)
        again.wait_for_timeout(1000)
        wait_idle(again)
        assert counts(again) == first
        again.close()
    finally:
        page.close()


def run_in_console(page, sql: str) -> str:
    area = page.get_by_label("Requête SQL", exact=True)
    area.fill(sql)
    area.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Exécuter").click()
    page.wait_for_timeout(300)
    wait_idle(page, timeout=60_000)
    return page.inner_text("body")


def test_console_answers_and_refuses_on_a_real_server(maroni_server, browser):
    """Each query runs in a process of its own: on `streamlit run` it answers, and refuses with the reason."""
    page = browser.new_page()
    try:
        page.goto(f"{maroni_server}/sql")
        wait_idle(page)
        body = run_in_console(page, "select uai from sites as s join communes as c using (commune_code) "
                                    "where c.zone_code = 'haut-maroni' and s.site_type = 'ecole' and s.pupils > 100 "
                                    "order by uai")
        assert "5 lignes en" in body, body[-500:]
        body = run_in_console(page, "with x as (copy (select 1 as a) to '/tmp/x.csv') select 1")
        assert "Requête refusée : COPY est interdit, même dans un WITH" in body
        started = time.perf_counter()
        body = run_in_console(page, "select sum(length(repeat('ab', 100000000))) from range(1000)")
        assert "Requête refusée : Temps limite dépassé" in body or "Requête refusée : Mémoire dépassée" in body
        assert time.perf_counter() - started < 40
    finally:
        page.close()
