"""Sign in through the real OpenID Connect redirect flow (tools/idp) as each demo account, then try what the
account must not reach: another circonscription by URL, another school's fiche, the console, the importer."""

from __future__ import annotations

import json

import pytest

from tests.support.browser import stop_server, wait_idle
from tests.support.idp import start_signed_app

pytestmark = pytest.mark.browser
OUTSIDE_C01, INSIDE_C01 = "9731005E", "9731004D"   # demo schools of C02 and C01
REFUSED = "hors de votre périmètre"
RESERVED = "Accès refusé : cette page est réservée"


@pytest.fixture(scope="module")
def signed_app(demo_dir, tmp_path_factory, browser):
    idp, proc, base, audit = start_signed_app(demo_dir, tmp_path_factory.mktemp("auth"))
    try:
        yield base, audit
    finally:
        stop_server(proc)
        stop_server(idp)


@pytest.fixture
def sign_in(signed_app, browser):
    contexts = []

    def login(account: str):
        base, _ = signed_app
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
        contexts.append(context)
        page = context.new_page()
        page.goto(base)
        wait_idle(page)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_selector("input[name=login]", timeout=30_000)  # the provider's own sign-in form
        page.fill("input[name=login]", account)
        page.fill("input[name=password]", "mot-de-passe-de-demo")
        page.locator("button[type=submit]").click()
        page.wait_for_selector("text=Connecté(e) :", timeout=30_000)
        wait_idle(page)

        def visit(path: str) -> str:
            page.goto(base + path)
            wait_idle(page)
            page.wait_for_selector('[data-testid="stMainBlockContainer"]')
            return page.inner_text('[data-testid="stMain"]')

        return page, visit

    yield login
    for context in contexts:
        context.close()


def _audit(signed_app) -> list[dict]:
    return [json.loads(line) for line in signed_app[1].read_text(encoding="utf-8").splitlines()]


def test_the_ien_reaches_c01_only(sign_in, signed_app):
    page, visit = sign_in("ien")
    assert "ien.c01@ac-guyane.fr — IEN" in page.inner_text("body")
    menu = page.inner_text('[data-testid="stSidebarNav"]')
    assert "Console SQL" not in menu and "Importer" not in menu
    assert REFUSED in visit("/?circonscription=C02")
    assert REFUSED in visit(f"/etablissement?uai={OUTSIDE_C01}")
    assert REFUSED not in visit(f"/etablissement?uai={INSIDE_C01}")
    assert RESERVED in visit("/sql")
    assert RESERVED in visit("/importer")
    mine = [e for e in _audit(signed_app) if e["who"] == "ien.c01@ac-guyane.fr"]
    assert [e["action"] for e in mine][:1] == ["connexion"]
    assert sum(e["action"] == "refus" for e in mine) == 2   # the two links out of the perimeter


def test_the_school_head_reaches_their_school_only(sign_in):
    _, visit = sign_in("chef")
    assert REFUSED in visit(f"/etablissement?uai={OUTSIDE_C01}")
    assert "Fiche établissement" in visit(f"/etablissement?uai={INSIDE_C01}")
    assert RESERVED in visit("/sql")


def test_the_lecteur_sees_no_school(sign_in):
    _, visit = sign_in("lecteur")
    assert REFUSED in visit(f"/etablissement?uai={INSIDE_C01}")
    assert "chiffres agrégés" in visit("/etablissement")
    assert RESERVED in visit("/importer")


def test_the_drane_reaches_everything_and_the_sign_in_is_audited(sign_in, signed_app):
    _, visit = sign_in("drane")
    assert REFUSED not in visit("/?circonscription=C02")
    assert RESERVED not in visit("/sql")
    assert [e["action"] for e in _audit(signed_app) if e["who"] == "drane@ac-guyane.fr"] == ["connexion"]
