"""Through the production layout (`make serve`): two app processes behind nginx on a free loopback port.

A deep link on a fresh start, a page switch, and an import through one process that a session held by the other
process sees without any restart.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from observatoire.ingest.snapshot_date import snapshot_range
from observatoire.model.catalog import load_catalog
from observatoire.model.dates import format_date_fr
from observatoire.serve import nginx_binary
from tests.support.browser import ROOT, free_port, stop_server, wait_idle

pytestmark = pytest.mark.browser
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture
def proxied(tmp_path, demo_dir):
    """(base URL, run folder, data folder) of `python -m observatoire.serve` with 2 processes; stopped after."""
    if not Path(NGINX).exists():
        pytest.skip("nginx is absent: `make test` installs it when run as root (apt-get install nginx)")
    assert nginx_binary()
    data, run, port = tmp_path / "data", tmp_path / "run", free_port()
    shutil.copytree(demo_dir, data)
    env = {"OBSERVATOIRE_DATA_DIR": str(data), "OBSERVATOIRE_WARM_CACHES": "0", "PATH": "/usr/sbin:/usr/bin:/bin"}
    proc = subprocess.Popen([sys.executable, "-m", "observatoire.serve", "--replicas", "2", "--port", str(port),
                             "--run-dir", str(run)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in proc.stdout:   # the supervisor prints its address once nginx is up
            lines.append(line)
            if line.startswith("Observatoire : http://127.0.0.1:"):
                break
        else:
            pytest.fail("observatoire.serve stopped before serving:\n" + "".join(lines))
        yield f"http://127.0.0.1:{port}", run, data
    finally:
        stop_server(proc)
    assert not (run / "nginx.pid").exists() or not _alive(run / "nginx.pid"), "nginx left running"


def _alive(pid_file: Path) -> bool:
    try:
        return Path(f"/proc/{int(pid_file.read_text())}").exists()
    except (OSError, ValueError):
        return False


def _upstream(run: Path, route: str) -> str:
    """The one app process (host:port) nginx sent every request carrying this route cookie to, from its log."""
    for _ in range(50):
        found = re.findall(rf"upstream=(\S+) route={re.escape(route)}$", (run / "access.log").read_text(), re.M)
        if found:
            assert len(set(found)) == 1, f"the requests with route {route} went to several processes: {set(found)}"
            return found[-1]
        time.sleep(0.1)   # nginx writes the line when the response is over
    raise AssertionError(f"no request with route {route} in the access log")


def test_deep_link_page_switch_and_an_import_seen_by_the_other_process(proxied, browser):
    base, run, data = proxied
    first = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
    second = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
    try:
        page = first.new_page()
        page.goto(f"{base}/axe-1?circonscription=C05")
        page.wait_for_url(re.compile(r".*circonscription=Macouria"), timeout=90_000)
        wait_idle(page, timeout=90_000)
        expect(page.get_by_text("circonscription : Macouria-Montsinéry").first).to_be_visible(timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        # Streamlit 1.67's front end settles the address a moment after a run: a menu click within ~0.3 s of it
        # opens the next page with the kept filters but without them in its address (a person does not click
        # that fast; measured, see the notes of issue 16). Wait as a person would.
        page.wait_for_timeout(1_000)

        page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Catalogue et instantanés").click()
        expect(page).to_have_url(re.compile(r".*/donnees\?.*circonscription=Macouria"), timeout=60_000)
        wait_idle(page)
        assert page.locator('[data-testid="stException"]').count() == 0

        route = next(c["value"] for c in first.cookies() if c["name"] == "observatoire_route")
        mine = _upstream(run, route)
        assert mine == f"127.0.0.1:{route}"   # the cookie names the process that answered the first request
        sites = pd.read_parquet(data / "reference" / "sites.parquet")
        uai = sorted(sites.loc[sites["site_type"] == "college", "uai"])[0]
        upload = run / "import.csv"
        upload.write_text(f"UAI;Indicateur;Valeur;Dénominateur\n{uai};ent2d_utilisateurs;1 234;\n", encoding="utf-8")
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Importer des données").click()
        page.wait_for_url(re.compile(r".*/importer.*"), timeout=60_000)
        wait_idle(page)
        page.locator('input[type="file"]').set_input_files(str(upload))
        expect(page.get_by_text("Aucune erreur", exact=False).first).to_be_visible(timeout=60_000)
        wait_idle(page)
        page.get_by_role("button", name="Confirmer l'import").click()
        expect(page.get_by_text("Import terminé", exact=False).first).to_be_visible(timeout=60_000)
        assert _upstream(run, route) == mine   # the whole session stayed on one process

        # Another person arrives while the first one's websocket is open: nginx sends a new visitor to the process
        # with the fewest open connections, the other one, which sees the new snapshot at once.
        theirs = second.new_page()
        theirs.goto(f"{base}/")
        wait_idle(theirs, timeout=90_000)
        other = next(c["value"] for c in second.cookies() if c["name"] == "observatoire_route")
        imported = min(date.today(), snapshot_range(load_catalog(ROOT / "data/territories/guyane/roadmap.toml").period)[1])   # the Importer's default date
        expect(theirs.get_by_text(f"Instantané du {format_date_fr(imported)}").first).to_be_visible(timeout=60_000)
        assert other != route and _upstream(run, other) == f"127.0.0.1:{other}"
    finally:
        first.close()
        second.close()
