"""The "Décisions et annotations" page: a note added with the form is stored, listed, and cited at once by the
COPIL presentation's "Ce qui a changé" (the deck's cache follows the decision log)."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from observatoire.copil.deck import typeset
from tests.conftest import VIEWS

from observatoire.storage.annotations import read_annotations

PAGE = "annotations.py"
NOTE = "Décision du COPIL : l'ENT pour toutes les écoles du fleuve"


@pytest.fixture
def data(demo_dir, tmp_path):
    """A copy of the demo: the form writes to the data folder, which other tests share."""
    return shutil.copytree(demo_dir, tmp_path / "demo")


def test_the_page_lists_nothing_then_the_note_made_with_the_form(app, data):
    at = app(PAGE, data_dir=data)
    assert not at.exception
    assert [t.value for t in at.title] == ["Décisions et annotations"]
    assert any("Aucune annotation" in i.value for i in at.info)
    at.date_input(key="note-date").set_value(date(2025, 3, 12))
    at.text_input(key="note-auteur").input("DRANE")
    at.text_area(key="note-texte").input(NOTE)
    at.selectbox(key="note-indicateur").set_value("educonnect_comptes_actives")
    next(b for b in at.button if b.label == "Enregistrer l'annotation").click().run()
    assert not at.exception and not at.error
    assert any(NOTE in s.value for s in at.success)
    notes = read_annotations(data)
    assert [(n.day, n.indicator_id, n.circonscription, n.author) for n in notes] == \
        [(date(2025, 3, 12), "educonnect_comptes_actives", None, "DRANE")]
    table = at.dataframe[0].value
    assert table["Note"].tolist() == [NOTE] and table["Date"].tolist() == ["12 mars 2025"]


def test_an_empty_note_is_refused_in_french(app, data):
    at = app(PAGE, data_dir=data)
    next(b for b in at.button if b.label == "Enregistrer l'annotation").click().run()
    assert any("le texte est vide" in e.value for e in at.error)
    assert read_annotations(data) == []


def test_the_presentation_cites_a_new_note_at_once(app, data):
    at = app("presentation.py", data_dir=data, slide="7")
    assert [t.value for t in at.title] == [typeset("Ce qui a changé depuis le dernier COPIL")]
    assert not any(typeset(NOTE) in m.value for m in at.markdown)
    at.switch_page(str(VIEWS / PAGE)).run()
    at.text_area(key="note-texte").input(NOTE)
    at.date_input(key="note-date").set_value(date(2025, 3, 12))
    next(b for b in at.button if b.label == "Enregistrer l'annotation").click().run()
    at.switch_page(str(VIEWS / "presentation.py")).run()
    at.selectbox(key="slide").set_value(7).run()
    assert [t.value for t in at.title] == [typeset("Ce qui a changé depuis le dernier COPIL")]
    assert any(typeset(NOTE) in m.value for m in at.markdown), "the deck was not rebuilt with the new note"
