"""Time rules per indicator (issue 14), on hand-computed fixtures: carry-forward within the school year,
resets at the rentrée, the September baseline, no status in holiday months, completeness."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from observatoire.errors import ValidationError
from observatoire.metrics.changes import changes
from observatoire.metrics.figures import figure_rows
from observatoire.metrics.progress import Completeness, headline
from observatoire.model.catalog import parse_catalog
from observatoire.model.filters import Filters
from observatoire.storage.store import Store
from tests.support.factories import fact, make_data_dir, site

AUG_24, SEP_24, OCT_24, MAR_25, JUN_25, AUG_25, SEP_25 = (
    date(2024, 8, 31), date(2024, 9, 30), date(2024, 10, 31), date(2025, 3, 31), date(2025, 6, 30),
    date(2025, 8, 31), date(2025, 9, 30))
A, B, C = site(1, "97302", "urbain"), site(2, "97302", "urbain"), site(3, "97302", "urbain", "college")
CLOSED = site(4, "97302", "urbain", is_open=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    a, b, c = A["uai"], B["uai"], C["uai"]
    facts = {
        # state: the summer low in August, then September; B reports only in September (carried forward)
        AUG_24: [fact("educonnect_comptes_actives", a, 10)],
        SEP_24: [fact("educonnect_comptes_actives", a, 100), fact("educonnect_comptes_actives", b, 50),
                 fact("pix_professeurs_certifies", a, 5), fact("pix_professeurs_certifies", b, 3),
                 fact("ent2d_taux_utilisation", c, 30, 100)],
        # B skips October: the cumulative total keeps its 3 (carried forward), the activity rate has no value
        # C's first EduConnect report: the state rests on 3 entities from October on, 2 in September
        OCT_24: [fact("pix_professeurs_certifies", a, 7), fact("educonnect_comptes_actives", a, 110),
                 fact("educonnect_comptes_actives", c, 20)],
        MAR_25: [fact("educonnect_comptes_actives", a, 130), fact("ent2d_taux_utilisation", c, 40, 100)],
        # a deliverable of 2024-2025; an activity rate far below its target in June and in August
        JUN_25: [fact("copil_comptes_rendus", "33", 1, level="academie"), fact("ent2d_taux_utilisation", c, 10, 100)],
        AUG_25: [fact("ent2d_taux_utilisation", c, 5, 100)],
        # the new school year: only A reports; nothing of 2024-2025 may count
        SEP_25: [fact("pix_professeurs_certifies", a, 1), fact("ent2d_taux_utilisation", c, 35, 100)],
    }
    s = Store(make_data_dir(tmp_path_factory.mktemp("time"), [A, B, C, CLOSED], facts))
    yield s
    s.close()


def _values(store, ids, **filters):
    dates = store.snapshot_dates
    rows = store.run("indicator_values", indicator_ids=ids, breakdown="total", date_from=dates[0],
                     date_to=dates[-1], **Filters(**filters).params())
    return {(r.indicator_id, r.snapshot_date): r for r in rows.itertuples()}


def test_a_deliverable_of_last_school_year_does_not_count(store):
    rows = _values(store, ["copil_comptes_rendus"])
    assert rows[("copil_comptes_rendus", JUN_25)].value == 1
    assert rows[("copil_comptes_rendus", AUG_25)].value == 1          # carried to the end of its school year
    assert rows[("copil_comptes_rendus", AUG_25)].carried_forward == 1
    assert ("copil_comptes_rendus", SEP_25) not in rows               # not in 2025-2026


def test_a_school_skipping_a_month_keeps_the_cumulative_total(store):
    rows = _values(store, ["pix_professeurs_certifies"])
    october = rows[("pix_professeurs_certifies", OCT_24)]
    assert october.value == 7 + 3
    assert (october.reporting_entities, october.carried_forward) == (2, 1)
    assert october.expected_entities == 3                             # open sites in scope; the closed one not
    assert rows[("pix_professeurs_certifies", SEP_25)].value == 1     # reset at the rentrée, B not carried over


def test_an_activity_is_not_carried_forward(store):
    rows = _values(store, ["ent2d_taux_utilisation"])
    assert ("ent2d_taux_utilisation", OCT_24) not in rows
    assert rows[("ent2d_taux_utilisation", MAR_25)].value == pytest.approx(0.40)
    assert rows[("ent2d_taux_utilisation", MAR_25)].expected_entities == 1   # 2d scope: the collège only


def _headline(store, indicator_id, day):
    ind = store.catalog.indicator(indicator_id)
    rows = pd.DataFrame([r._asdict() for r in _values(store, [indicator_id]).values()])
    return headline(ind, rows, day, True, store.territory.holiday_months)


def test_depuis_la_rentree_starts_in_september(store):
    h = _headline(store, "educonnect_comptes_actives", MAR_25)
    assert h.baseline_date == SEP_24 and h.year_start_value == 100 + 50   # not August's 10
    assert h.value == 130 + 50 + 20 and h.change_year == 50
    assert h.completeness == Completeness(reporting=3, expected=3, carried_forward=2)
    assert h.baseline_completeness.reporting == 2 and h.completeness_differs
    cumulative = _headline(store, "pix_professeurs_certifies", OCT_24)
    assert cumulative.year_start_value == 0 and cumulative.change_year == 10


def test_august_gives_no_late_status_for_an_activity(store):
    june = _headline(store, "ent2d_taux_utilisation", JUN_25)
    assert june.target == 0.5 and june.status == "late"                # the same figures in a school month
    august = _headline(store, "ent2d_taux_utilisation", AUG_25)
    assert august.holiday and august.status is None and august.projected is None
    assert august.target == 0.5 and august.value == pytest.approx(0.05)


def test_an_activity_is_compared_with_the_same_month_of_last_year(store):
    h = _headline(store, "ent2d_taux_utilisation", SEP_25)
    assert h.last_year_value == pytest.approx(0.30) and h.baseline_date == SEP_25


def test_changes_say_when_completeness_differs(store):
    totals = store.run("indicator_values", indicator_ids=store.catalog.ids, breakdown="total", date_from=SEP_24,
                       date_to=OCT_24, **Filters().params())
    found = {c.indicator_id: c for c in changes(store.catalog, totals, None, SEP_24, OCT_24, Filters(), {}, limit=None)}
    assert "Complétude" not in found["pix_professeurs_certifies"].sentence    # 2 entities both times
    assert found["educonnect_comptes_actives"].sentence.endswith("Complétude différente : 2 entités avant, 3 après.")


def test_values_rows_match_the_headlines(store):
    rows = figure_rows(store, OCT_24, Filters()).set_index("indicator_id")
    pix = rows.loc["pix_professeurs_certifies"]
    assert (pix.value, pix.reporting, pix.expected, pix.carried_forward) == (10, 2, 3, 1)
    assert (pix.baseline_date, pix.change_since_baseline) == ("2024-09-01", 10)
    assert rows.loc["equipement_commandes"].value is None or pd.isna(rows.loc["equipement_commandes"].value)


def test_the_catalog_refuses_a_deliverable_that_is_not_one():
    raw = {"roadmap": {"id": "x", "title": "x"}, "axes": [{"id": "a", "number": 1, "title": "A", "short_title": "A"}],
           "objectives": [{"id": "o", "axis": "a", "title": "O"}],
           "indicators": [{"id": "livrable", "objective": "o", "roadmap_line": "l", "label": "L", "definition": "d",
                           "unit": "deliverable", "level": "academie", "rollup": "latest",
                           "temporality": "cumulative", "source": "DRANE", "direction": "up"}]}
    with pytest.raises(ValidationError, match="temporalité « deliverable »"):
        parse_catalog(raw)
    raw["indicators"][0]["temporality"] = "deliverable"
    assert parse_catalog(raw).indicators[0].how_computed().startswith("Agrégation : dernière valeur connue")


def test_a_rentree_import_warns_about_jumps_only_where_the_rule_does_not_reset(tmp_path):
    from observatoire.ingest import prepare

    a = A["uai"]
    data = make_data_dir(tmp_path / "data", [A, B, C], {AUG_25: [
        fact("pix_professeurs_certifies", a, 40), fact("educonnect_comptes_actives", a, 2)]})
    path = tmp_path / "rentree.csv"
    path.write_text("uai;indicator_id;value;denominator\n"
                    f"{a};pix_professeurs_certifies;3;\n{a};educonnect_comptes_actives;100;\n", encoding="utf-8")
    plan = prepare([path], SEP_25.isoformat(), data, today=date(2025, 10, 1))
    assert plan.ok, [p.message() for p in plan.errors]
    jumps = [p.found for p in plan.warnings if "saut" in p.found]
    assert len(jumps) == 1 and "educonnect_comptes_actives" in jumps[0]     # a state: x50 is suspicious
    # within the school year the same fall of a cumulative total is a jump
    later = prepare([path], "2025-08-31", make_data_dir(tmp_path / "d2", [A, B, C], {JUN_25: [
        fact("pix_professeurs_certifies", a, 40)]}), today=date(2025, 10, 1))
    assert any("pix_professeurs_certifies" in p.found and "saut" in p.found for p in later.warnings)
