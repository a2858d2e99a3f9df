"""`observatoire bench --scale guyane` runs end to end (a tool, not a test: no timing is asserted)."""

from __future__ import annotations

import json

import pytest

from components.shell import PAGES, VIEWS
from observatoire.bench.dataset import ensure_dataset
from observatoire.bench.measure import percentile
from observatoire.bench.queries import query_label
from observatoire.cli import main


def test_percentile_interpolates():
    assert percentile([3.0], 95) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)  # 4 + 0.8 x (5 - 4)
    assert query_label("indicator_values", {"indicator_ids": ["a", "b"], "breakdown": "total", "commune": None,
                                            "date_from": 1, "date_to": 1}) == "indicator_values(breakdown=total, 2 ind., 1 date)"


def test_guyane_bench_runs_and_reports_every_page_and_query(tmp_path, capsys):
    out = tmp_path / "bench.json"
    code = main(["bench", "--scale", "guyane", "--repeat", "2", "--data-dir", str(tmp_path / "data"),
                 "--json", str(out)])
    assert code == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["scale"] == "guyane" and result["dataset"]["sites"] == 234
    assert result["dataset"]["snapshots"] == 24
    assert {"cpu_count", "ram_bytes", "platform"} <= set(result["machine"])
    assert {"python", "streamlit", "duckdb", "pandas", "pyarrow"} <= set(result["versions"])
    # The floor and every page of the menu, cold and warm.
    assert result["floor"]["p50_s"] > 0 and result["floor"]["cold_s"] > 0
    expected = {url for entries in PAGES.values() for name, _t, url, _i in entries if (VIEWS / name).exists()}
    pages = {p["name"]: p for p in result["pages"]}
    assert expected <= set(pages)
    for page in pages.values():
        assert page["cold_s"] > 0 and page["p50_s"] > 0 and page["p95_s"] >= page["p50_s"], page["name"]
        assert page["runs"] == 2
        assert not page["errors"], (page["name"], page["errors"])
    # Every query a page ran was replayed, and every roll-up question has its pandas twin, which agrees.
    queries = result["queries"]
    assert {"indicator_values", "filter_options", "catalog_status"} <= {q["name"] for q in queries}
    assert all(q["p50_s"] > 0 and q["pages"] for q in queries)
    labels = {q["label"] for q in queries}
    assert all(label in labels for page in pages.values() for label in page["queries"])
    rollups = [q for q in queries if q["name"] == "indicator_values"]
    pandas = result["pandas"]["queries"]
    assert len(pandas) == len(rollups) and all(p["p50_s"] > 0 for p in pandas)
    assert result["comparison"]["all_agree"], [p["label"] for p in pandas if not p["agrees_with_duckdb"]]
    assert result["pandas"]["load_s"] > 0 and result["pandas"]["fact_rows"] == result["dataset"]["facts"]
    # Memory and import throughput.
    assert result["memory"]["server_peak_rss_bytes"] > 0
    assert result["import"]["snapshot_writer"]["rows_per_s"] > 0
    assert result["import"]["import"]["rows_per_s"] > 0, result["import"]["import"]["errors"]
    assert len(result["targets"]) == 5
    table = capsys.readouterr().out
    assert "plancher" in table and "synthese" in table
    # The next run reuses the dataset (same generator version, scale and seed); another seed rebuilds it.
    assert ensure_dataset(tmp_path / "data", "guyane", result["dataset"]["seed"])["reused"] is True
