"""'Ce qui a changé': French sentences and their order, against hand-computed fixture values (tests/support/copil_data.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from observatoire.model.catalog import Indicator
from observatoire.metrics.changes import changes, class_phrase, importance, sentence, subject
from observatoire.model.filters import Filters
from observatoire.storage.store import Store
from tests.support.copil_data import AFTER, BEFORE, EXPECTED, EXPECTED_C01, NBSP, make_copil_dir

BASE = Indicator(id="x", objective="o", roadmap_line="X", label="Élèves certifiés Pix", definition="d",
                 unit="count", level="site", rollup="sum", temporality="state", source="Pix Orga", direction="up")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return Store(make_copil_dir(tmp_path_factory.mktemp("copil")))


def moves(store, filters):
    kw = dict(indicator_ids=store.catalog.ids, date_from=BEFORE, date_to=AFTER, **filters.params())
    totals = store.run("indicator_values", breakdown="total", **kw)
    by_class = store.run("indicator_values", breakdown="isolation", **kw)
    return changes(store.catalog, totals, by_class, BEFORE, AFTER, filters, store.territory.isolation_labels)


def test_sentences_and_order_match_the_hand_computed_values(store):
    found = moves(store, Filters())
    assert [c.sentence for c in found] == EXPECTED
    assert [round(c.importance, 5) for c in found] == [1.0, 0.256, 0.188, 0.00725, 0.00133]
    isolated = found[1]
    assert (isolated.indicator_id, isolated.group_id) == ("ent2d_taux_utilisation", "isole")
    assert isolated.before == pytest.approx(156 / 500) and isolated.after == pytest.approx(220 / 500)
    assert isolated.target == 0.5


def test_a_circonscription_keeps_what_can_be_broken_down_and_drops_the_target_of_a_count(store):
    found = moves(store, Filters(circonscription="C01"))
    assert [c.sentence for c in found] == EXPECTED_C01
    assert found[0].target is None and found[0].importance == pytest.approx(0.6)


def test_an_isolation_filter_gives_no_class_sentences(store):
    found = moves(store, Filters(isolation="isole"))
    assert all(c.group_id == "total" for c in found)
    rate = next(c for c in found if c.indicator_id == "ent2d_taux_utilisation")
    assert rate.sentence == f"Le taux d'utilisation de l'ENT Wilapa passe de 31,2{NBSP}% à 44,0{NBSP}% (+12,8 points)."


@pytest.mark.parametrize("label, expected", [
    ("Taux d'usage de l'ENT école", ("Le taux d'usage de l'ENT école", False)),
    ("Élèves certifiés Pix", ("Les élèves certifiés Pix", True)),
    ("Réalisation du plan de formation", ("La réalisation du plan de formation", False)),
    ("Utilisation du stockage", ("L'utilisation du stockage", False)),
    ("ENT ouverts", ("« ENT ouverts »", False)),
    ("Inconnu du dictionnaire", ("« Inconnu du dictionnaire »", False)),
])
def test_subject_article_and_number(label, expected):
    assert subject(replace(BASE, label=label)) == expected


def test_amount_label_loses_its_euro_sign_and_classes_are_plural():
    assert subject(replace(BASE, label="Subventions notifiées (€)", unit="amount"))[0] == "Les subventions notifiées"
    assert [class_phrase(x) for x in ("Isolé", "Rural", "Urbain")] == \
        ["des sites isolés", "des sites ruraux", "des sites urbains"]


def test_change_is_computed_from_the_printed_values():
    rate = replace(BASE, label="Taux de test", unit="rate", rollup="ratio")
    assert sentence(rate, 0.0314, 0.0465) == f"Le taux de test passe de 3,1{NBSP}% à 4,7{NBSP}% (+1,6 point)."
    assert sentence(BASE, 1500, 1200, "Isolé") == \
        f"Les élèves certifiés Pix des sites isolés passent de 1{NBSP}500 à 1{NBSP}200 (−300)."


def test_a_cumulative_label_in_brackets_gets_one_pair_of_brackets():
    cumul = replace(BASE, label="Élèves accompagnés (TED-i)", temporality="cumulative")
    assert sentence(cumul, 12, 20) == "Les élèves accompagnés (TED-i, cumul depuis la rentrée) passent de 12 à 20 (+8)."
    assert sentence(replace(cumul, label="Séances TED-i"), 2, 3) == \
        "Les séances TED-i (cumul depuis la rentrée) passent de 2 à 3 (+1)."


def test_importance_relative_to_target_then_to_the_earlier_value():
    assert importance(100, 160, 40000) == pytest.approx(60 / 40000)
    assert importance(100, 160, None) == pytest.approx(0.6)
    assert importance(0, 5, None) == 1.0
