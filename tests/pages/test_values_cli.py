"""`observatoire values` gives the figures the axis pages show, on the same snapshot and filters."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import pytest

from observatoire.cli import main
from observatoire.model.catalog import load_catalog
from observatoire.model.territory import load_territory
from observatoire.output.numbers import format_value
from observatoire.settings import territory_folder

DAY = "2025-08-31"  # the demo's latest snapshot, which the pages show by default (a holiday month)


def _values(demo_dir, *args) -> dict:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["--data-dir", str(demo_dir), "values", "--snapshot", DAY, "--format", "json", *args]) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("number, filters", [(1, {}), (3, {"circonscription": "C01"})])
def test_values_agree_with_the_axis_page(app, demo_dir, number, filters):
    catalog = load_catalog(load_territory(territory_folder(demo_dir)).roadmap_file)
    axis = next(a for a in catalog.axes if a.number == number)
    flags = [x for k, v in filters.items() for x in (f"--{k}", v)]
    rows = {r["indicator_id"]: r for r in _values(demo_dir, *flags)["indicators"]}
    at = app(f"axe_{number}.py", **filters)
    assert not at.exception
    # the cards in page order: objectives in order, their indicators in order; a metric for each value
    shown = [i for o in catalog.objectives_of(axis.id) for i in catalog.indicators_of(o.id)]
    expected = [format_value(rows[i.id]["value"], i.unit) for i in shown if rows[i.id]["value"] is not None]
    metrics = [m.value for m in at.metric if m.label.startswith("Au 31 août 2025")]
    assert metrics == expected and len(metrics) > 3
    captions = "\n".join(c.value for c in at.caption)
    for i in shown:
        row = rows[i.id]
        if row["value"] is not None and row["expected"]:
            assert f"{row['reporting']} entité" in captions and f"sur {row['expected']} (" in captions, i.id
        if row["status"] == "late":
            assert "En retard" in captions


def test_values_csv_has_the_promised_columns(demo_dir, capsys):
    assert main(["--data-dir", str(demo_dir), "values", "--snapshot", DAY, "--format", "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    for column in ("indicator_id", "value", "status", "reporting", "expected", "carried_forward", "baseline_date",
                   "change_since_baseline", "target"):
        assert column in header


def test_values_refuses_an_unknown_snapshot_in_french(demo_dir, capsys):
    assert main(["--data-dir", str(demo_dir), "values", "--snapshot", "2025-03-30"]) == 1
    assert "aucun instantané du 30 mars 2025" in capsys.readouterr().err
    assert main(["--data-dir", str(demo_dir), "values", "--snapshot", "2025-02-30"]) == 2
    assert "n'est pas une date (AAAA-MM-JJ)" in capsys.readouterr().err
