"""`observatoire bench`: how fast the dashboard answers, from Guyane to national scale.

One run measures, on a demo dataset of the chosen scale (built once, then reused while the generator
version, scale and seed are unchanged; dataset.py):

- every page's server-side render with Streamlit's AppTest: the first render with cold caches
  (`st.cache_data` and `st.cache_resource` cleared: the store reopens, every query runs) and warm
  reruns; an empty page (`st.write` only) measured the same way is the floor (scripts/bench_pages.py);
- every named query the pages run (recorded while the pages render), replayed on the store, warm (queries.py);
- the same roll-up questions answered with pandas from the Parquet facts, load and query timed apart
  (pandas_reference.py);
- peak memory (RSS) of the server side, of the pandas baseline and of the import;
- the import throughput (validated fact rows per second) of a long-format file (import_throughput.py).

Each part runs in a fresh process, so a part's peak RSS is its own (the bench modules import their heavy
libraries inside functions for the same reason). The pages run as a script outside the domain package, which
never imports Streamlit. A tool, not a test: `tests/unit/test_bench.py` only checks that it runs.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from observatoire.bench.dataset import ensure_dataset
from observatoire.bench.import_throughput import import_measure
from observatoire.bench.measure import machine, versions
from observatoire.bench.pandas_reference import pandas_measure
from observatoire.bench.queries import jsonable
from observatoire.bench.report import int_text, render_table

ROOT = Path(__file__).resolve().parents[2]
PAGE_BENCH = ROOT / "scripts" / "bench_pages.py"
TARGET_FLOOR_FACTOR = 3.0
TARGET_NATIONAL_WARM_S = 0.5
TARGET_RSS_BYTES = 1 << 30
TARGET_PANDAS_FACTOR = 10.0
TARGET_IMPORT_ROWS_S = 1_000_000


def default_bench_dir(scale: str) -> Path:
    return ROOT / "bench" / scale


def _page_bench(data_dir: Path, repeat: int) -> dict:
    """Pages and their queries, measured by scripts/bench_pages.py in an interpreter of its own; its JSON result."""
    with tempfile.TemporaryDirectory(prefix="observatoire-bench-") as tmp:
        out = Path(tmp) / "pages.json"
        done = subprocess.run([sys.executable, str(PAGE_BENCH), str(data_dir), "--repeat", str(repeat),
                               "--json", str(out)])
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"{PAGE_BENCH.name} : processus arrêté (code {done.returncode})")
        return json.loads(out.read_text(encoding="utf-8"))


def _spawn(measure, *args):
    """Run `measure(*args)` in a fresh interpreter; return its result or raise its error."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_report, args=(queue, measure, *args))
    process.start()
    while True:  # a part killed (out of memory…) must not leave the parent waiting forever
        try:
            status, payload = queue.get(timeout=5)
            break
        except Exception:  # queue.Empty
            if not process.is_alive():
                status, payload = "error", f"{measure.__name__} : processus arrêté (code {process.exitcode})"
                break
    process.join()
    if status != "ok":
        raise RuntimeError(payload)
    return payload


def _report(queue, measure, *args) -> None:
    """In the spawned process: the measure's result, or its error reported to the parent instead of dying silently."""
    try:
        queue.put(("ok", measure(*args)))
    except BaseException as exc:
        import traceback

        queue.put(("error", f"{exc!r}\n{traceback.format_exc()}"))


def run_bench(scale: str = "guyane", data_dir: Path | None = None, repeat: int = 10, seed: int | None = None,
              import_rows: int = 1_000_000, log=print) -> dict:
    from observatoire.demo import DEFAULT_SEED

    seed = DEFAULT_SEED if seed is None else seed
    directory = Path(data_dir) if data_dir else default_bench_dir(scale)
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    log(f"Jeu de données « {scale} » dans {directory}…")
    dataset = ensure_dataset(directory, scale, seed)
    how = "réutilisé" if dataset["reused"] else f"construit en {dataset['build_s']:.1f} s"
    log(f"  {how} : {dataset['sites']} établissements, {dataset['snapshots']} instantanés, {dataset['facts']} faits")
    log("Pages et requêtes (AppTest)…")
    server = _page_bench(directory, repeat)
    questions = [q for q in server["queries"] if q["name"] == "indicator_values"]
    log(f"Référence pandas ({len(questions)} questions de cumul)…")
    pandas = _spawn(pandas_measure, directory, questions, max(1, min(repeat, 5)))
    log("Import…")
    imported = _spawn(import_measure, directory, import_rows)
    result = {
        "bench_version": 1, "scale": scale, "data_dir": str(directory), "dataset": dataset,
        "machine": machine(), "versions": versions(), "repeat": repeat,
        "floor": server["floor"], "pages": server["pages"], "queries": server["queries"],
        "memory": {"server_peak_rss_bytes": server["server_peak_rss_bytes"],
                   "server_peak_rss_after_replay_bytes": server["peak_rss_after_replay_bytes"],
                   "pandas_peak_rss_bytes": pandas["peak_rss_bytes"], "import_peak_rss_bytes": imported["peak_rss_bytes"]},
        "pandas": pandas, "import": imported,
    }
    result["comparison"] = compare(result)
    result["targets"] = targets(result)
    result["total_s"] = time.perf_counter() - started
    return result


def compare(result: dict) -> dict:
    """DuckDB vs pandas on the same roll-up questions: sums of the p50s, and per question."""
    duck = {q["label"]: q for q in result["queries"]}
    pairs = [(duck[p["label"]]["p50_s"], p["p50_s"]) for p in result["pandas"]["queries"] if p["label"] in duck]
    duck_total = sum(d for d, _ in pairs)
    pandas_total = sum(p for _, p in pairs)
    ratios = [p / d for d, p in pairs if d > 0]
    return {"questions": len(pairs), "duckdb_s": duck_total, "pandas_query_s": pandas_total,
            "pandas_load_s": result["pandas"]["load_s"],
            "speedup": pandas_total / duck_total if duck_total else None,
            "speedup_median": statistics.median(ratios) if ratios else None,
            "speedup_min": min(ratios) if ratios else None,
            "all_agree": all(p["agrees_with_duckdb"] for p in result["pandas"]["queries"])}


def targets(result: dict) -> list[dict]:
    """Each target of issue 8, with the figure and whether it is met (None: not measured at this scale)."""
    floor = result["floor"]["p50_s"]
    worst = max(result["pages"], key=lambda p: p["p50_s"])
    scale = result["scale"]
    out = [{"target": f"pages chaudes ≤ {TARGET_FLOOR_FACTOR:g} × plancher (Guyane)",
            "figure": f"pire {worst['name']} {worst['p50_s'] / floor:.1f} × ({worst['p50_s'] * 1000:.0f} ms / "
                      f"{floor * 1000:.0f} ms)",
            "met": worst["p50_s"] <= TARGET_FLOOR_FACTOR * floor if scale == "guyane" else None},
           {"target": f"pages chaudes ≤ {TARGET_NATIONAL_WARM_S:g} s (national)",
            "figure": f"pire {worst['name']} {worst['p50_s']:.3f} s (p95 {worst['p95_s']:.3f} s)",
            "met": worst["p95_s"] <= TARGET_NATIONAL_WARM_S if scale == "national" else None}]
    rss = result["memory"]["server_peak_rss_bytes"]
    out.append({"target": "RSS serveur ≤ 1 Go (national)", "figure": f"{rss / 2**20:.0f} Mo",
                "met": rss <= TARGET_RSS_BYTES if scale == "national" else None})
    comparison = result["comparison"]
    out.append({"target": f"DuckDB ≥ {TARGET_PANDAS_FACTOR:g} × plus rapide que pandas (national)",
                "figure": (f"{comparison['speedup']:.1f} × sur la somme, médiane {comparison['speedup_median']:.1f} ×, "
                           f"min {comparison['speedup_min']:.1f} × ({comparison['questions']} questions)")
                if comparison["speedup"] else "non mesuré",
                "met": (comparison["speedup"] or 0) >= TARGET_PANDAS_FACTOR if scale == "national" else None})
    imported = result["import"].get("import")
    rate = imported["rows_per_s"] if imported else None
    out.append({"target": "import ≥ 1 M lignes validées / s",
                "figure": f"{rate:,.0f} lignes/s ({int_text(result['import']['rows'])} lignes)".replace(",", " ") if rate
                else "non mesuré",
                "met": rate >= TARGET_IMPORT_ROWS_S if rate else False})
    return out


def main(scale: str, json_path: str | None, repeat: int, data_dir: str | None, seed: int | None = None) -> dict:
    result = run_bench(scale, Path(data_dir) if data_dir else None, repeat, seed,
                       log=lambda message: print(message, file=sys.stderr, flush=True))
    print(render_table(result))
    if json_path:
        Path(json_path).write_text(json.dumps(result, ensure_ascii=False, indent=2, default=jsonable),
                                   encoding="utf-8")
    return result
