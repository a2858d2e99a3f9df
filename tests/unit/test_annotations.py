"""Annotations: `observatoire annotate` writes the decision log atomically, with author and creation date; the
note appears on the trend chart, the axis slide's chart, "Ce qui a changé" and the exported deck; a
circonscription's note stays in that circonscription."""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd
import pytest
from pptx import Presentation
from pypdf import PdfReader

from observatoire.cli import main
from observatoire.copil.deck import build_deck, typeset
from observatoire.copil.export import render_charts, to_pdf, to_pptx
from observatoire.model.filters import Filters
from observatoire.output.charts import trend_chart
from observatoire.storage.annotations import Annotation, read_annotations
from observatoire.storage.store import Store
from tests.support.copil_data import AFTER, BEFORE, make_copil_dir

NOTE = "Décision du COPIL : déploiement de l'ENT dans les sites isolés"
INDICATOR = "ent2d_taux_utilisation"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = make_copil_dir(tmp_path_factory.mktemp("notes"), demo=True)
    assert main(["--data-dir", str(folder), "annotate", "--date", "2024-06-15", "--texte", NOTE,
                 "--indicateur", INDICATOR, "--auteur", "DRANE Guyane"]) == 0
    assert main(["--data-dir", str(folder), "annotate", "--date", "2024-09-02", "--texte",
                 "Panne du réseau à Maripasoula", "--circonscription", "C13"]) == 0
    return folder


def _spec_texts(slide) -> str:
    return json.dumps([spec.get("datasets", {}) for spec in slide.charts], ensure_ascii=False)


def test_the_command_stores_author_and_creation_date(data):
    notes = read_annotations(data)
    assert [(n.day, n.indicator_id, n.circonscription) for n in notes] == \
        [(date(2024, 6, 15), INDICATOR, None), (date(2024, 9, 2), None, "C13")]
    assert notes[0].author == "DRANE Guyane" and notes[0].created_at.startswith(str(date.today().year)[:2])
    assert not list(data.glob(".annotations.jsonl.tmp"))


def test_the_trend_chart_draws_a_rule_with_the_note_in_its_tooltip():
    series = pd.DataFrame({"snapshot_date": [BEFORE, AFTER], "value": [0.4, 0.5]})
    note = Annotation(date(2024, 6, 15), NOTE, INDICATOR, author="DRANE")
    outside = Annotation(date(2026, 1, 1), "Hors de la période", INDICATOR)

    class Ind:   # the few fields trend_chart reads
        label, unit, targets_illustrative = "Taux", "rate", False

        @staticmethod
        def target(_year):
            return None
    spec = trend_chart(series, Ind, annotations=[note, outside]).to_dict()
    text = json.dumps(spec, ensure_ascii=False)
    assert NOTE in text and "Hors de la période" not in text
    rules = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "rule"
             and layer["encoding"]["x"]["field"] == "jour"]
    assert len(rules) == 1 and {t["field"] for t in rules[0]["encoding"]["tooltip"]} == {"jour", "note", "auteur"}


def test_the_note_is_on_the_axis_chart_and_cited_by_what_changed(data):
    deck = build_deck(Store(data), AFTER, Filters())
    charted = [s for s in deck.slides if NOTE in _spec_texts(s)]
    assert charted and charted[0].key.startswith("axe")
    changes = next(s for s in deck.slides if s.key == "changements")
    assert changes.bullets[0] == f"Annotation — Le 15 juin 2024 : {NOTE} (DRANE Guyane)."
    assert not any("Maripasoula" in b for b in changes.bullets)       # C13's note stays in C13
    scoped = build_deck(Store(data), AFTER, Filters(circonscription="C13"))
    assert any("Panne du réseau à Maripasoula" in b for b in next(s for s in scoped.slides if s.key == "changements").bullets)


def test_the_exported_deck_cites_the_note(data):
    deck = build_deck(Store(data), AFTER, Filters())
    images = render_charts(deck)
    prs = Presentation(io.BytesIO(to_pptx(deck, images=images)))
    pptx_text = "\n".join(shape.text_frame.text for slide in prs.slides for shape in slide.shapes if shape.has_text_frame)
    assert typeset(NOTE) in pptx_text
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(to_pdf(deck, images=images))).pages)
    assert "déploiement de l'ENT dans les sites isolés" in pdf_text.replace("\n", " ")


@pytest.mark.parametrize("args, code, message", [
    (["--date", "2024-02-30", "--texte", "x"], 2, "n'est pas une date"),
    (["--date", "2024-02-01", "--texte", "x", "--indicateur", "inconnu"], 1, "indicateur « inconnu » inconnu"),
    (["--date", "2024-02-01", "--texte", "x", "--circonscription", "C99"], 1, "circonscription « C99 » inconnue"),
    (["--date", "2024-02-01", "--texte", "  "], 1, "le texte est vide"),
])
def test_a_bad_annotation_is_refused_and_nothing_written(tmp_path, args, code, message, capsys):
    folder = make_copil_dir(tmp_path / "d", demo=True)
    assert main(["--data-dir", str(folder), "annotate", *args]) == code
    assert message in capsys.readouterr().err
    assert read_annotations(folder) == []
