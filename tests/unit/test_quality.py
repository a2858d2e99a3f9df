"""The quality page's values to check (queries/quality_outliers.sql), found by hand on a tiny history."""

from __future__ import annotations

from datetime import date

from observatoire.model.filters import Filters
from observatoire.storage.store import Store

from tests.support.factories import fact, make_data_dir, site

D1, D2, D3 = date(2024, 10, 31), date(2024, 11, 30), date(2024, 12, 31)


def outliers(tmp_path, facts: dict, day=D3, factor=5.0) -> dict[tuple[str, str], tuple]:
    sites = [site(n, "97302", "urbain") for n in (1, 2, 3)]
    store = Store(make_data_dir(tmp_path / "data", sites, facts))
    try:
        frame = store.run("quality_outliers", snapshot_date=day, factor=factor, **Filters().params())
    finally:
        store.close()
    return {(r.indicator_id, r.entity_id): (r.reason, r.previous_measure, r.previous_date) for r in frame.itertuples()}


def test_a_jump_since_the_previous_value_and_a_rate_above_100(tmp_path):
    a, b, c = (site(n, "97302", "urbain")["uai"] for n in (1, 2, 3))
    got = outliers(tmp_path, {
        D1: [fact("educonnect_comptes_actives", a, 10), fact("educonnect_comptes_actives", b, 40)],
        D2: [fact("ent1d_taux_usages", c, 5, 10)],
        D3: [fact("educonnect_comptes_actives", a, 100),   # x10 since D1 (its previous value): a jump
             fact("educonnect_comptes_actives", b, 60),    # x1,5: nothing to check
             fact("ent1d_taux_usages", c, 12, 10)],        # 120 %
    })
    assert got[("educonnect_comptes_actives", a)] == ("saut depuis la valeur précédente", 10.0, D1)
    assert got[("ent1d_taux_usages", c)][0] == "taux supérieur à 100 %"
    assert ("educonnect_comptes_actives", b) not in got


def test_the_previous_value_is_the_latest_one_even_when_it_is_undefined(tmp_path):
    """A rate with a zero denominator at D2 has no measure: D3 is compared with it (nothing to say), not with
    the older D1 value, which would make a jump of x18."""
    a = site(1, "97302", "urbain")["uai"]
    got = outliers(tmp_path, {
        D1: [fact("ent1d_taux_usages", a, 0.5, 10)],
        D2: [fact("ent1d_taux_usages", a, 3, 0)],
        D3: [fact("ent1d_taux_usages", a, 9, 10)],
    })
    assert ("ent1d_taux_usages", a) not in got
    assert outliers(tmp_path / "b", {D1: [fact("ent1d_taux_usages", a, 0.5, 10)], D3: [fact("ent1d_taux_usages", a, 9, 10)]}) \
        == {("ent1d_taux_usages", a): ("saut depuis la valeur précédente", 0.05, D1)}
