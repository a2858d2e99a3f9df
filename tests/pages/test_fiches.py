"""Fiches établissement and commune: identity, values and medians against hand arithmetic (tests/support/equity_data.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from observatoire.metrics.fiche import applies_to_site, medians, site_comparison, site_medians
from tests.support import equity_data as data


@pytest.fixture
def fixture_app(app, tmp_path):
    root = data.build(tmp_path / "d")
    return lambda page, **params: app(page, data_dir=root, **params)


def _errors(at):
    return [e.value for e in at.exception] + [e.value for e in at.error]


def _frame(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _linked(at, key="uai"):
    """The value of the fiche's parameter in the URL (a label or a code)."""
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def test_fiche_etablissement_from_its_uai(fixture_app):
    at = fixture_app("etablissement.py", uai=data.uai(3))
    assert not _errors(at), _errors(at)
    assert _linked(at) == f"École du fleuve — Maripasoula ({data.uai(3)})"
    assert at.header[0].value == "École du fleuve"
    identity = " ".join(m.value for m in at.markdown)
    for text in ("Maripasoula", "Maripasoula-Papaïchton", "Isolé", "Avion ou hélicoptère", "**Élèves**  \n50", "École"):
        assert text in identity, text
    table = _frame(at, "Historique").set_index("Indicateur")
    rate = table.loc[table.index[[("usage" in i.lower()) for i in table.index]][0]]
    assert rate["Valeur"] == "10,0\u202f%"
    assert rate["Médiane « Isolé »"] == "30,0\u202f%"                     # median of 10 %, 30 %, 40 %
    assert rate["Médiane circonscription Maripasoula-Papaïchton"] == "25,0\u202f%"   # median of 10 %, 40 %
    assert list(rate["Historique"]) == [0.1, 0.1]
    assert set(table["Origine"]) <= {"Feuille de route", "Indicateur proposé"} and "Feuille de route" in set(table["Origine"])
    # Only indicators that apply to an école; those without data say so instead of 0.
    assert "pas encore de donnée" in set(table["Valeur"])
    assert not any("2nd degré" in i for i in table.index)


def test_fiche_etablissement_from_the_shown_label_and_without_choice(fixture_app):
    label = f"École du fleuve — Maripasoula ({data.uai(3)})"
    at = fixture_app("etablissement.py", uai=label)
    assert at.header[0].value == "École du fleuve" and _linked(at) == label
    empty = fixture_app("etablissement.py")
    assert not _errors(empty)
    assert any("Cherchez un établissement" in i.value for i in empty.info)


def test_fiche_keeps_the_global_filters(fixture_app):
    at = fixture_app("etablissement.py", uai=data.uai(3), circonscription="C01")
    assert at.selectbox(key="circonscription").value == "C01"
    assert at.header[0].value == "École du fleuve"
    # The fiche describes one school: the territorial filter does not hide it.
    assert _frame(at, "Historique").shape[0] > 0


def test_fiche_commune(fixture_app):
    at = fixture_app("commune.py", code="97353")
    assert not _errors(at), _errors(at)
    assert at.header[0].value == "Maripasoula"
    table = _frame(at, "Mesure").set_index("Indicateur")
    subsidies = table[table["Mesure"] == "mesuré par commune"]
    assert "3\u202f000\u202f€" in set(subsidies["Valeur"]) and "4\u202f500\u202f€" in set(subsidies["Académie"])
    rolled = table[table["Mesure"] == "établissements agrégés"]
    assert "30,0\u202f%" in set(rolled["Valeur"])          # (5 + 40) / (50 + 100)
    assert "22,9\u202f%" in set(rolled["Académie"])        # 160 / 700
    assert "15" in set(rolled["Valeur"])                   # 5 + 10 student accounts
    sites = _frame(at, "UAI")
    assert sorted(sites["UAI"]) == [data.uai(3), data.uai(5)]


def test_fiche_commune_defaults_to_the_global_commune_filter(fixture_app):
    at = fixture_app("commune.py", commune="97302")
    assert _linked(at, "code") == "Cayenne (97302)"
    assert at.header[0].value == "Cayenne"
    assert len(_frame(at, "UAI")) == 3


def test_comparison_and_scope_helpers():
    class Ind:
        def __init__(self, id, level="site", scope="all"):
            self.id, self.level, self.scope = id, level, scope
    assert applies_to_site(Ind("a"), 1) and applies_to_site(Ind("b", scope="1d"), 1)
    assert not applies_to_site(Ind("c", scope="2d"), 1) and not applies_to_site(Ind("d", level="commune"), 1)
    day = data.NOW
    peers = pd.DataFrame({"indicator_id": ["a"] * 4, "snapshot_date": [day, day, day, data.PREV],
                          "value": [1.0, 3.0, None, 100.0]})
    by_date = site_medians(peers)
    assert by_date.to_dict("records") == [
        {"indicator_id": "a", "snapshot_date": data.PREV, "median": 100.0, "sites": 1},
        {"indicator_id": "a", "snapshot_date": day, "median": 2.0, "sites": 2}]
    assert medians(by_date, day).loc["a"].tolist() == [2.0, 2]
    own = pd.DataFrame({"indicator_id": ["a", "a"], "snapshot_date": [data.PREV, day], "value": [4.0, 5.0]})
    row = site_comparison([Ind("a"), Ind("b")], own, by_date, site_medians(peers.iloc[:1]), day).set_index("indicator_id")
    assert row.loc["a", ["value", "previous_value", "class_median", "class_sites", "area_median"]].tolist() == \
        [5.0, 4.0, 2.0, 2, 1.0]
    assert pd.isna(row.loc["b", "value"]) and row.loc["b", "class_sites"] == 0


def test_a_link_with_the_bare_uai_gets_the_full_label(app, demo_dir):
    import pandas as pd

    uai = pd.read_parquet(demo_dir / "reference" / "sites.parquet")["uai"].iloc[5]
    at = app("etablissement.py", uai=uai)
    assert not at.exception
    shown = _linked(at)
    assert shown.endswith(f"({uai})") and shown != uai
    assert at.header[0].value == shown.split(" — ")[0]
    at.run()  # the rewritten link reloads the same fiche
    assert _linked(at) == shown and at.header[0].value == shown.split(" — ")[0]


def test_fiche_downloads_give_rates_in_percent_and_french_units():
    from components.fiches import export_unit, export_values

    assert [export_unit(u) for u in ("rate", "count", "amount", "score")] == ["taux (%)", "nombre", "montant", "score"]
    assert export_values([0.1, 12.0, None, 3.14159], ["rate", "count", "rate", "score"]) == [10.0, 12.0, None, 3.14]


def test_fiche_history_draws_no_academie_count_target_over_one_school(fixture_app):
    import json

    at = fixture_app("etablissement.py", uai=data.uai(1))
    at.selectbox(key="etablissement-indicateur").set_value(data.COUNT).run()
    spec = json.loads(at.get("vega_lite_chart")[-1].proto.spec)
    assert "l'établissement et les médianes" in json.dumps(spec.get("title"), ensure_ascii=False)
    assert not any("target" in json.dumps(layer.get("encoding", {})) for layer in spec.get("layer", []))
    at.selectbox(key="etablissement-indicateur").set_value(data.RATE).run()
    spec = json.loads(at.get("vega_lite_chart")[-1].proto.spec)
    assert any("target" in json.dumps(layer.get("encoding", {})) for layer in spec.get("layer", []))


# ---------------------------------------------------------------- search (no selectbox over every school)

def _results(at):
    return [b for b in at.button if b.key and b.key.startswith("recherche-etablissement-")]


def test_a_search_without_accents_or_capitals_finds_the_school_and_opens_its_fiche(fixture_app):
    at = fixture_app("etablissement.py")
    at.text_input(key="recherche-etablissement").input("ecole DU fleuve").run()
    assert not _errors(at), _errors(at)
    found = _results(at)
    assert [b.label for b in found] == [f"École du fleuve — Maripasoula ({data.uai(3)})"]
    found[0].click().run()
    assert not _errors(at), _errors(at)
    assert at.header[0].value == "École du fleuve"
    assert _linked(at) == f"École du fleuve — Maripasoula ({data.uai(3)})"   # a link that reopens it
    assert at.text_input(key="recherche-etablissement").value == "" and not _results(at)


def test_the_search_matches_the_commune_and_the_uai(fixture_app):
    at = fixture_app("etablissement.py")
    at.text_input(key="recherche-etablissement").input("maripasoula").run()
    assert sorted(b.label[-9:-1] for b in _results(at)) == sorted([data.uai(3), data.uai(5)])
    at.text_input(key="recherche-etablissement").input(data.uai(5).lower()).run()
    assert [b.label[-9:-1] for b in _results(at)] == [data.uai(5)]
    at.text_input(key="recherche-etablissement").input("pas une école d'ici").run()
    assert not _results(at) and any("Aucun résultat" in c.value for c in at.caption)


def test_a_long_list_of_matches_is_cut_and_says_so(app):
    from components.fiches import SEARCH_LIMIT

    at = app("etablissement.py")
    at.text_input(key="recherche-etablissement").input("e").run()   # every demo school has an e
    assert len(_results(at)) == SEARCH_LIMIT
    assert any("premiers sont listés" in c.value for c in at.caption)


def test_a_bare_code_in_lower_case_opens_the_fiche_and_an_unknown_one_says_so(fixture_app):
    at = fixture_app("etablissement.py", uai=data.uai(3).lower())
    assert at.header[0].value == "École du fleuve"
    assert _linked(at) == f"École du fleuve — Maripasoula ({data.uai(3)})"
    unknown = fixture_app("etablissement.py", uai="0000000Z")
    assert not _errors(unknown)
    assert any("0000000Z" in w.value for w in unknown.warning)


def test_the_fiche_opened_last_comes_back_through_the_menu(fixture_app):
    from tests.conftest import VIEWS

    at = fixture_app("etablissement.py", uai=data.uai(3))
    at.switch_page(str(VIEWS / "donnees.py")).run()
    at.query_params.pop("uai", None)
    at.switch_page(str(VIEWS / "etablissement.py")).run()
    assert at.header[0].value == "École du fleuve"
    assert _linked(at).endswith(f"({data.uai(3)})")


def test_fiche_commune_from_a_bare_code_a_search_or_an_unknown_code(fixture_app):
    at = fixture_app("commune.py", code="97353")
    assert at.header[0].value == "Maripasoula" and _linked(at, "code") == "Maripasoula (97353)"
    at.text_input(key="recherche-commune").input("CAYENNE").run()
    found = [b for b in at.button if b.key and b.key.startswith("recherche-commune-")]
    assert [b.label for b in found] == ["Cayenne (97302)"]
    found[0].click().run()
    assert not _errors(at), _errors(at)
    assert at.header[0].value == "Cayenne" and _linked(at, "code") == "Cayenne (97302)"
    unknown = fixture_app("commune.py", code="00000")
    assert not _errors(unknown) and any("00000" in w.value for w in unknown.warning)


def test_search_folds_accents_case_and_punctuation_and_reads_codes_in_links():
    from observatoire.model.search import code_in_link, fold, matches

    assert fold("Saint-Élie — École Œ (9730001A)") == "saint elie ecole oe 9730001a"
    hay = [fold(t) for t in ("École du fleuve — Maripasoula (9730003C)", "Collège Félix Éboué — Cayenne (9730005E)")]
    assert matches(hay, "ECOLE maripasoula") == [0]
    assert matches(hay, "felix-eboue") == [1] and matches(hay, "9730005e") == [1]
    assert matches(hay, "fleuve cayenne") == [] and matches(hay, "  ") == []
    assert code_in_link("École (annexe) — Laon (0021000B)") == "0021000B"
    assert code_in_link(" 9730001A ") == "9730001A"
