"""Sign-in, roles and refusals through the whole app (AppTest with a seeded st.user and an [auth] secret)."""

from __future__ import annotations

import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from observatoire.access.audit import read
from tests.conftest import ROOT, VIEWS, run_app

AUTH = {"auth": {"redirect_uri": "http://127.0.0.1:8599/oauth2callback", "cookie_secret": "x" * 40,
                 "academie": {"client_id": "observatoire", "client_secret": "s",
                              "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}}}
OUTSIDE_C01 = "9731005E"   # a school of C02 in the demo
INSIDE_C01 = "9731004D"


@pytest.fixture
def signed(demo_dir, tmp_path, monkeypatch):
    """Factory: signed(email, page=None, **query) -> AppTest run as that person (email None: not signed in)."""
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(demo_dir))
    access = tmp_path / "access.toml"
    shutil.copy(ROOT / "data" / "access.example.toml", access)
    monkeypatch.setenv("OBSERVATOIRE_ACCESS_FILE", str(access))
    monkeypatch.setenv("OBSERVATOIRE_AUDIT_FILE", str(tmp_path / "audit.jsonl"))

    def make(email: str | None, page: str | None = None, **params) -> AppTest:
        def signed(at: AppTest) -> None:
            at.secrets.update(AUTH)
            at.user = {"is_logged_in": False} if email is None else {"is_logged_in": True, "email": email, "sub": "x"}

        return run_app(page, prepare=signed, **params)

    make.audit = tmp_path / "audit.jsonl"
    return make


def _text(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "error", "info", "warning", "caption", "title")
                    for e in at.get(kind))


def test_open_demo_is_labelled_and_has_no_sign_in(app):
    at = app()
    assert not at.exception
    assert "Accès ouvert : démonstration sans authentification" in _text(at)
    assert not [b for b in at.button if b.key == "connexion"]


def test_a_visitor_must_sign_in_and_sees_nothing_else(signed):
    at = signed(None)
    assert [b.label for b in at.button] == ["Se connecter"]
    assert not at.get("vega_lite_chart") and not at.sidebar.selectbox


def test_a_signed_in_person_without_an_entry_is_refused(signed):
    at = signed("inconnu@example.org")
    assert "aucun accès à l'observatoire ne vous a été attribué" in _text(at)
    assert not at.get("vega_lite_chart") and not at.sidebar.selectbox
    assert [e["action"] for e in read(signed.audit)] == ["refus"]


def test_the_ien_sees_their_circonscription_only(signed):
    at = signed("ien.c01@ac-guyane.fr")
    assert not at.exception, at.exception
    circonscriptions = next(s for s in at.sidebar.selectbox if s.key == "circonscription")
    assert [o for o in circonscriptions.options if o != "Toutes les circonscriptions"] == ["Cayenne 1"]
    events = read(signed.audit)
    assert events[0]["action"] == "connexion" and events[0]["who"] == "ien.c01@ac-guyane.fr"


@pytest.mark.parametrize("params", [{"circonscription": "C02"}, {"circonscription": "Cayenne 2"},
                                    {"uai": OUTSIDE_C01}, {"bassin": "B1"}, {"commune": "97311"}])
def test_the_ien_is_refused_a_link_outside_their_perimeter(signed, params):
    at = signed("ien.c01@ac-guyane.fr", **params)
    assert "hors de votre périmètre" in _text(at)
    assert not at.get("vega_lite_chart")
    assert read(signed.audit)[0]["action"] == "refus"


def test_the_ien_opens_a_school_of_their_circonscription(signed):
    at = signed("ien.c01@ac-guyane.fr", uai=INSIDE_C01)
    assert "hors de votre périmètre" not in _text(at)


@pytest.mark.parametrize("page", ["sql.py", "importer.py", "journal.py"])
def test_data_pages_are_hidden_and_refused_to_the_ien(signed, page):
    at = signed("ien.c01@ac-guyane.fr", page=page)
    assert "Accès refusé : cette page est réservée" in _text(at)
    assert not at.text_area and not at.get("file_uploader")


def test_the_drane_opens_the_console_and_not_the_audit_log(signed):
    assert "Accès refusé" not in _text(signed("drane@ac-guyane.fr", page="sql.py"))
    assert "Accès refusé : cette page est réservée aux administrateurs" in _text(
        signed("drane@ac-guyane.fr", page="journal.py"))


def test_the_administrator_reads_the_audit_log(signed):
    signed("drane@ac-guyane.fr")
    at = signed("admin@ac-guyane.fr", page="journal.py")
    assert not at.exception, at.exception
    who = set(at.dataframe[0].value["Qui"])
    assert {"drane@ac-guyane.fr", "admin@ac-guyane.fr"} <= who
    lines = [json.loads(line) for line in signed.audit.read_text().splitlines()]
    assert {line["action"] for line in lines} == {"connexion"}


def test_the_lecteur_gets_no_school(signed):
    at = signed("lecteur@ac-guyane.fr", uai=INSIDE_C01)
    assert "hors de votre périmètre" in _text(at)
    at = signed("lecteur@ac-guyane.fr", page="etablissement.py")
    assert "lecteur" in _text(at) and "chiffres agrégés" in _text(at)


# Every page of the Guyane menu (axe.py is the axis template, gaps.py a helper; the roadmap has three axes).
PAGES = sorted(p.name for p in VIEWS.glob("*.py") if p.name not in ("axe.py", "gaps.py", "axe_4.py"))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("email", ["ien.c01@ac-guyane.fr", "lecteur@ac-guyane.fr"])
def test_every_page_opens_or_refuses_in_french_for_restricted_people(signed, email, page):
    at = signed(email, page=page)
    assert not at.exception, at.exception
    for frame in at.dataframe:  # no table lists a school of another circonscription (or any school: lecteur)
        cells = {str(v) for v in frame.value.to_numpy().ravel()}
        assert OUTSIDE_C01 not in cells
        if email.startswith("lecteur"):
            assert INSIDE_C01 not in cells
