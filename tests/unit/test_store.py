"""Roll-ups by each indicator's rule, computed by hand on tiny fixture data; parameter binding."""

from __future__ import annotations

from datetime import date

import pytest

from observatoire.errors import QueryError
from observatoire.model.filters import Filters, not_broken_down
from observatoire.storage.store import Store

from tests.support.factories import fact, make_data_dir, site

D1, D2 = date(2024, 10, 31), date(2024, 11, 30)


@pytest.fixture
def store(tmp_path):
    sites = [
        site(1, "97302", "urbain", pupils=400, circonscription_code="C01"),              # Cayenne
        site(2, "97302", "urbain", pupils=100, circonscription_code="C02"),
        site(3, "97356", "isole", pupils=50, circonscription_code="C14"),                # Camopi
        site(4, "97353", "isole", "college", pupils=300, bassin_code="B4"),              # Maripasoula
    ]
    uai = [s["uai"] for s in sites]
    facts = {
        D1: [
            # rate: 90/100 and 1/10 -> ratio of sums 91/110, not the mean of rates (0.5)
            fact("ent1d_taux_usages", uai[0], 90, 100), fact("ent1d_taux_usages", uai[2], 1, 10),
            fact("ent1d_taux_usages", uai[1], 30, 60),
            fact("educonnect_comptes_actives", uai[0], 200), fact("educonnect_comptes_actives", uai[1], 50),
            fact("educonnect_comptes_actives", uai[2], 5), fact("educonnect_comptes_actives", uai[3], 45),
            fact("formation_satisfaction", "33", 3.0, 100, level="academie"),
            fact("copil_comptes_rendus", "33", 1, level="academie"),
            fact("equipement_subventions", "97302", 100_000, level="commune"),
            fact("equipement_subventions", "97356", 20_000, level="commune"),
        ],
        D2: [
            fact("formation_satisfaction", "33", 4.0, 300, level="academie"),
            # A second respondent group (measured on a site, to exercise the arithmetic): 2.0 x 100.
            fact("formation_satisfaction", uai[0], 2.0, 100),
            fact("educonnect_comptes_actives", uai[0], 210),
        ],
    }
    directory = make_data_dir(tmp_path / "data", sites, facts)
    s = Store(directory)
    yield s
    s.close()


def values(store, ids, breakdown="total", day=D1, date_from=None, **filters):
    params = Filters(**filters).params()
    frame = store.run("indicator_values", indicator_ids=ids, breakdown=breakdown,
                      date_from=date_from or day, date_to=day, **params)
    return {(r.indicator_id, r.group_id): r.value for r in frame.itertuples()}


def test_rate_is_ratio_of_sums(store):
    got = values(store, ["ent1d_taux_usages"])
    assert got[("ent1d_taux_usages", "total")] == pytest.approx(121 / 170)
    by_class = values(store, ["ent1d_taux_usages"], "isolation")
    assert by_class[("ent1d_taux_usages", "urbain")] == pytest.approx(120 / 160)
    assert by_class[("ent1d_taux_usages", "isole")] == pytest.approx(1 / 10)


def test_count_is_summed_and_filtered(store):
    assert values(store, ["educonnect_comptes_actives"])[("educonnect_comptes_actives", "total")] == 300
    assert values(store, ["educonnect_comptes_actives"], isolation="isole")[("educonnect_comptes_actives", "total")] == 50
    assert values(store, ["educonnect_comptes_actives"], circonscription="C01")[("educonnect_comptes_actives", "total")] == 200
    assert values(store, ["educonnect_comptes_actives"], degree=2)[("educonnect_comptes_actives", "total")] == 45
    by_commune = values(store, ["educonnect_comptes_actives"], "commune")
    assert by_commune[("educonnect_comptes_actives", "97302")] == 250


def test_weighted_mean_weights_by_denominator(store):
    # (4.0 x 300 + 2.0 x 100) / 400 = 3.5, where the mean of the two scores would be 3.0.
    got = values(store, ["formation_satisfaction"], day=D2, date_from=D1)
    assert got[("formation_satisfaction", "total")] == pytest.approx(3.5)


def test_latest_carries_a_deliverable_forward(store):
    got = values(store, ["copil_comptes_rendus"], day=D2)
    assert got[("copil_comptes_rendus", "total")] == 1


def test_commune_level_indicator_rolls_up_by_commune_class(store):
    by_class = values(store, ["equipement_subventions"], "isolation")
    assert by_class[("equipement_subventions", "urbain")] == 100_000
    assert by_class[("equipement_subventions", "isole")] == 20_000


def test_keyed_facts_are_the_parquet_facts(store):
    """Roll-ups read `entity_facts` (integer keys, loaded when the store opens): the same rows as `facts`."""
    keyed = store.con.execute(
        "select f.snapshot_date, i.indicator_id, e.entity_level, e.entity_id, f.value, f.denominator "
        "from entity_facts as f join indicators as i on i.display_order = f.indicator_key "
        "join entities as e using (entity_key) order by all").fetchall()
    parquet = store.con.execute("select snapshot_date, indicator_id, entity_level, entity_id, value, denominator "
                                "from facts order by all").fetchall()
    assert keyed == parquet and len(keyed) == 14


def test_facts_of_an_unknown_site_stay_out_of_roll_ups(tmp_path):
    sites = [site(1, "97302", "urbain", pupils=400)]
    facts = {D1: [fact("educonnect_comptes_actives", sites[0]["uai"], 200),
                  fact("educonnect_comptes_actives", "9739999Z", 7),          # not in the annuaire
                  fact("indicateur_retire", sites[0]["uai"], 1)]}             # not in the roadmap
    other = Store(make_data_dir(tmp_path / "data", sites, facts))
    assert other.con.execute("select count(*) from facts").fetchone()[0] == 3   # the quality page lists them
    assert other.con.execute("select count(*) from entity_facts").fetchone()[0] == 1
    assert values(other, ["educonnect_comptes_actives"])[("educonnect_comptes_actives", "total")] == 200
    other.close()


def test_non_ventile_reasons(store):
    catalog = store.catalog
    assert not_broken_down(catalog.indicator("equipement_subventions"), Filters(circonscription="C01")).startswith("Non ventilé")
    assert not_broken_down(catalog.indicator("equipement_subventions"), Filters(commune="97302")) is None
    assert not_broken_down(catalog.indicator("formation_satisfaction"), Filters(zone="cayenne")).startswith("Non ventilé")
    assert not_broken_down(catalog.indicator("ent2d_taux_utilisation"), Filters(circonscription="C01")).startswith("Sans objet")
    assert not_broken_down(catalog.indicator("educonnect_comptes_actives"), Filters(circonscription="C01")) is None


def test_parameters_are_bound_not_pasted(store):
    hostile = "97302' or '1'='1"
    assert values(store, ["educonnect_comptes_actives"], commune=hostile) == {}
    with pytest.raises(QueryError, match="manquant"):
        store.run("indicator_values", indicator_ids=["x"])
    with pytest.raises(QueryError, match="inconnu"):
        store.run("snapshot_list", extra=1)
    with pytest.raises(QueryError, match="invalide"):
        store.run("../etc/passwd")


def test_cursor_per_query_is_safe_across_threads(store):
    from concurrent.futures import ThreadPoolExecutor

    def one(i):
        circ = ["C01", "C02", "C14"][i % 3]
        return circ, values(store, ["educonnect_comptes_actives"], circonscription=circ)[("educonnect_comptes_actives", "total")]

    expected = {"C01": 200, "C02": 50, "C14": 5}
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(120)))
    assert all(expected[c] == v for c, v in results)


def test_store_memory_is_bounded_by_its_setting(store, tmp_path, monkeypatch):
    assert store.con.execute("select current_setting('memory_limit')").fetchone()[0] == "488.2 MiB"  # 512MB
    monkeypatch.setenv("OBSERVATOIRE_STORE_MEMORY_LIMIT", "256MB")
    other = Store(store.data_dir)
    assert other.con.execute("select current_setting('memory_limit')").fetchone()[0] == "244.1 MiB"


def test_every_setting_is_documented_in_the_readme():
    from observatoire.settings import PROJECT_ROOT, SETTINGS

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if s.env not in readme]
    assert not missing, missing
