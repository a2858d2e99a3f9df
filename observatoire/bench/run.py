"""`observatoire bench`: how fast the dashboard answers, from Guyane to national scale.

One run measures, on a demo dataset of the chosen scale (built once, then reused while the generator
version, scale and seed are unchanged):

- every page's server-side render with Streamlit's AppTest: the first render with cold caches
  (`st.cache_data` and `st.cache_resource` cleared: the store reopens, every query runs) and warm
  reruns; an empty page (`st.write` only) measured the same way is the floor;
- every named query the pages run (recorded while the pages render), replayed on the store, warm;
- the same roll-up questions answered with pandas from the Parquet facts (load and query timed apart);
- peak memory (RSS) of the server side, of the pandas baseline and of the import;
- the import throughput (validated fact rows per second) of a long-format file.

Each part runs in a fresh process (spawned), so a part's peak RSS is its own. Streamlit is imported
only inside the server part. A tool, not a test: `tests/unit/test_bench.py` only checks that it runs.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from observatoire import __version__

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
SCALE_NAMES = ("guyane", "academie", "national")
FLOOR_SCRIPT = "import streamlit as st\n\nst.write('Observatoire')\n"
FILTER_KEYS = ("commune", "zone", "isolation", "circonscription", "bassin", "degree", "site_type", "uai")
TARGET_FLOOR_FACTOR = 3.0
TARGET_NATIONAL_WARM_S = 0.5
TARGET_RSS_BYTES = 1 << 30
TARGET_PANDAS_FACTOR = 10.0
TARGET_IMPORT_ROWS_S = 1_000_000


# --------------------------------------------------------------------------------------------- helpers

def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(seconds: list[float]) -> dict:
    return {"p50_s": percentile(seconds, 50), "p95_s": percentile(seconds, 95), "runs": len(seconds)}


def peak_rss_bytes() -> int:
    """Peak resident set size of this process (ru_maxrss is in KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def dataset_checksum(scale: str, seed: int) -> str:
    from observatoire.demo import GENERATOR_VERSION

    return hashlib.sha256(f"{GENERATOR_VERSION}|{scale}|{seed}".encode()).hexdigest()[:16]


def default_bench_dir(scale: str) -> Path:
    return ROOT / "bench" / scale


def _jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _from_json(params: dict) -> dict:
    out = {}
    for key, value in params.items():
        if key.startswith("date") and isinstance(value, str):
            value = date.fromisoformat(value)
        out[key] = value
    return out


def query_label(name: str, params: dict) -> str:
    """A short readable name for a (query, parameters) call."""
    parts = []
    for key, value in sorted(params.items()):
        if value is None:
            continue
        if key == "indicator_ids":
            parts.append(value[0] if len(value) == 1 else f"{len(value)} ind.")
        elif key in ("date_from", "date_to"):
            continue
        else:
            parts.append(f"{key}={value}")
    if "date_from" in params and "date_to" in params:
        parts.append("1 date" if params["date_from"] == params["date_to"] else "période")
    return f"{name}({', '.join(parts)})"


def machine() -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(), "cpu_count": os.cpu_count()}
    try:
        info["ram_bytes"] = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        info["ram_bytes"] = None
    return info


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"observatoire": __version__, "python": platform.python_version()}
    for package in ("streamlit", "duckdb", "pandas", "pyarrow", "numpy"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = None
    return out


# --------------------------------------------------------------------------------------------- dataset

def ensure_dataset(directory: Path, scale: str, seed: int) -> dict:
    """Build the demo dataset of `scale` in `directory`, or reuse it when its checksum matches."""
    from observatoire.demo import build_demo
    from observatoire.settings import data_manifest
    from observatoire.storage.snapshots import list_snapshots

    directory = Path(directory)
    checksum = dataset_checksum(scale, seed)
    manifest = data_manifest(directory)
    if manifest.get("bench_checksum") == checksum and list_snapshots(directory):
        return {"reused": True, "build_s": None, "checksum": checksum, **_dataset_facts(manifest)}
    started = time.perf_counter()
    manifest = build_demo(directory, seed=seed, scale=scale, force=bool(list_snapshots(directory)))
    build_s = time.perf_counter() - started
    manifest["bench_checksum"] = checksum
    tmp = directory / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(directory / "manifest.json")
    return {"reused": False, "build_s": build_s, "checksum": checksum, **_dataset_facts(manifest)}


def _dataset_facts(manifest: dict) -> dict:
    return {key: manifest.get(key) for key in ("scale", "seed", "sites", "snapshots", "facts")}


# --------------------------------------------------------------------------------------------- pages

def bench_pages() -> list[dict]:
    """Every page in the menu (default URL), and the two fiches opened on a subject."""
    from components.shell import PAGES, VIEWS  # noqa: PLC0415 (streamlit side)

    pages = [{"name": url, "file": str(VIEWS / name), "params": {}}
             for entries in PAGES.values() for name, _title, url, _icon in entries if (VIEWS / name).exists()]
    return pages


def _subject_pages(data_dir: Path, pages: list[dict]) -> list[dict]:
    """The fiches opened on the first site and the most populated commune, as extra 'pages'."""
    import pandas as pd

    sites = pd.read_parquet(Path(data_dir) / "reference" / "sites.parquet", columns=["uai", "commune_code", "pupils"])
    extra = []
    for page in pages:
        if page["name"] == "etablissement" and len(sites):
            extra.append({**page, "name": "etablissement?uai", "params": {"uai": str(sites["uai"].iloc[0])}})
        if page["name"] == "commune" and len(sites):
            code = sites.groupby("commune_code")["pupils"].sum().idxmax()
            extra.append({**page, "name": "commune?code", "params": {"code": str(code)}})
    return extra


def _server_part(data_dir: str, repeat: int, queue) -> None:
    """Spawned process: render every page (cold, then warm), the floor, then replay the recorded queries."""
    try:
        queue.put(("ok", _server_measure(data_dir, repeat)))
    except BaseException as exc:  # report to the parent instead of dying silently
        import traceback

        queue.put(("error", f"{exc!r}\n{traceback.format_exc()}"))


def _errors_of(at) -> list[str]:
    return [str(e.value)[:300] for e in at.exception] + [str(e.value)[:300] for e in at.error]


def _server_measure(data_dir: str, repeat: int) -> dict:
    os.environ["OBSERVATOIRE_DATA_DIR"] = data_dir
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import streamlit as st
    from streamlit import logger as st_logger
    from streamlit.testing.v1 import AppTest

    st_logger.set_log_level("error")  # "No runtime found" and bare-mode warnings of AppTest

    from observatoire.storage.store import Store

    original_run = Store.run
    recorded: list[tuple[str, str, dict]] = []
    current = {"page": None}

    def recording_run(self, name, **params):
        recorded.append((current["page"], name, dict(params)))
        return original_run(self, name, **params)

    Store.run = recording_run
    pages = bench_pages()
    pages += _subject_pages(Path(data_dir), pages)

    def clear():
        st.cache_data.clear()
        st.cache_resource.clear()

    def render(at) -> float:
        started = time.perf_counter()
        at.run()
        return time.perf_counter() - started

    # The floor: a script with only st.write, measured the same way.
    floor_at = AppTest.from_string(FLOOR_SCRIPT, default_timeout=600)
    render(floor_at)
    clear()
    floor = {"cold_s": render(floor_at), **summary([render(floor_at) for _ in range(repeat)])}

    results = []
    for page in pages:
        at = AppTest.from_file(str(APP), default_timeout=600)
        for key, value in page["params"].items():
            at.query_params[key] = value
        current["page"] = None
        at.run()  # the default page: imports done, the session set up, not timed
        clear()
        current["page"] = page["name"]
        at.switch_page(page["file"])
        cold = render(at)
        errors = _errors_of(at)
        current["page"] = None
        warm = [render(at) for _ in range(repeat)]
        errors += [e for e in _errors_of(at) if e not in errors]
        results.append({"name": page["name"], "params": page["params"], "cold_s": cold, **summary(warm),
                        "errors": errors, "elements": len(list(at.main))})
    server_rss = peak_rss_bytes()
    Store.run = original_run

    # Replay every distinct recorded query on a store of its own, warm.
    store = Store(Path(data_dir))
    distinct: dict[str, dict] = {}
    for page_name, name, params in recorded:
        if page_name is None:
            continue
        key = json.dumps([name, {k: _jsonable(v) for k, v in sorted(params.items())}], ensure_ascii=False)
        entry = distinct.setdefault(key, {"name": name, "params": params, "pages": []})
        if page_name not in entry["pages"]:
            entry["pages"].append(page_name)
    queries, labels = [], set()
    for entry in distinct.values():
        frame = store.run(entry["name"], **entry["params"])  # warm-up
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            store.run(entry["name"], **entry["params"])
            times.append(time.perf_counter() - started)
        label = query_label(entry["name"], entry["params"])
        if label in labels:  # same question on other dates: keep labels unique
            label += f" #{sum(1 for q in queries if q['label'].split(' #')[0] == label) + 1}"
        labels.add(label)
        queries.append({"label": label, "name": entry["name"],
                        "params": {k: _jsonable(v) for k, v in entry["params"].items()}, "pages": entry["pages"],
                        "rows": len(frame), "value_sum_total": _value_total(frame), **summary(times)})
    for page in results:
        page["queries"] = [q["label"] for q in queries if page["name"] in q["pages"]]
    store.close()
    return {"floor": floor, "pages": results, "queries": queries, "server_peak_rss_bytes": server_rss,
            "peak_rss_after_replay_bytes": peak_rss_bytes()}


def _value_total(frame) -> float | None:
    if "value_sum" in frame.columns:
        return float(frame["value_sum"].fillna(0).sum())
    return None


# --------------------------------------------------------------------------------------------- pandas

def _pandas_part(data_dir: str, questions: list[dict], repeat: int, queue) -> None:
    try:
        queue.put(("ok", _pandas_measure(Path(data_dir), questions, repeat)))
    except BaseException as exc:
        import traceback

        queue.put(("error", f"{exc!r}\n{traceback.format_exc()}"))


def load_pandas(data_dir: Path):
    """What most Streamlit dashboards do: every snapshot's facts in one DataFrame, plus the entities."""
    import pandas as pd

    from observatoire.settings import territory_folder
    from observatoire.storage.snapshots import list_snapshots
    from observatoire.model.territory import load_territory

    frames = []
    for info in list_snapshots(data_dir):
        frame = pd.read_parquet(info.path / "facts.parquet")
        frame["snapshot_date"] = pd.Timestamp(info.snapshot_date)
        frames.append(frame)
    facts = pd.concat(frames, ignore_index=True)
    territory = load_territory(territory_folder(data_dir))
    sites = pd.read_parquet(Path(data_dir) / "reference" / "sites.parquet")
    communes = territory.communes.rename(columns={"insee": "commune_code", "name": "commune_name", "zone": "zone_code"})
    zones = territory.zones.rename(columns={"zone": "zone_code", "name": "zone_name"})
    communes = communes.merge(zones, on="zone_code", how="left")
    circ = dict(zip(territory.circonscriptions["code"], territory.circonscriptions["name"]))
    bassins = dict(zip(territory.bassins["code"], territory.bassins["name"]))
    site_rows = sites.merge(communes[["commune_code", "commune_name", "zone_code", "zone_name"]], on="commune_code",
                            how="left")
    site_rows = pd.DataFrame({
        "entity_level": "site", "entity_id": site_rows["uai"], "entity_name": site_rows["name"],
        "commune_code": site_rows["commune_code"], "commune_name": site_rows["commune_name"],
        "zone_code": site_rows["zone_code"], "zone_name": site_rows["zone_name"], "isolation": site_rows["isolation"],
        "circonscription_code": site_rows["circonscription_code"],
        "circonscription_name": site_rows["circonscription_code"].map(circ),
        "bassin_code": site_rows["bassin_code"], "bassin_name": site_rows["bassin_code"].map(bassins),
        "degree": site_rows["degree"].astype("Int64"), "site_type": site_rows["site_type"], "pupils": site_rows["pupils"],
    })
    pupils = sites.groupby("commune_code")["pupils"].sum()
    commune_rows = pd.DataFrame({
        "entity_level": "commune", "entity_id": communes["commune_code"], "entity_name": communes["commune_name"],
        "commune_code": communes["commune_code"], "commune_name": communes["commune_name"],
        "zone_code": communes["zone_code"], "zone_name": communes["zone_name"], "isolation": communes["isolation"],
        "pupils": communes["commune_code"].map(pupils).fillna(0).astype(int),
    })
    academie = pd.DataFrame({"entity_level": ["academie"], "entity_id": [territory.academie_code],
                             "entity_name": [territory.academie_name], "pupils": [int(sites["pupils"].sum())]})
    entities = pd.concat([site_rows, commune_rows, academie], ignore_index=True)
    return facts, entities


BREAKDOWN_COLUMNS = {
    "isolation": ("isolation", "isolation"), "zone": ("zone_code", "zone_name"),
    "commune": ("commune_code", "commune_name"), "circonscription": ("circonscription_code", "circonscription_name"),
    "bassin": ("bassin_code", "bassin_name"), "site_type": ("site_type", "site_type"),
    "degree": ("degree", "degree"), "site": ("entity_id", "entity_name"),
}


def pandas_indicator_values(facts, entities, rules: dict[str, str], snapshot_dates: list, params: dict):
    """queries/indicator_values.sql answered in pandas, by the same rules (the baseline)."""
    import pandas as pd

    ids = list(params["indicator_ids"])
    start, end = pd.Timestamp(params["date_from"]), pd.Timestamp(params["date_to"])
    direct_ids = [i for i in ids if rules.get(i) not in (None, "latest")]
    latest_ids = [i for i in ids if rules.get(i) == "latest"]
    parts = [facts[facts["indicator_id"].isin(direct_ids) & facts["snapshot_date"].between(start, end)]]
    if latest_ids:
        pool = facts[facts["indicator_id"].isin(latest_ids) & (facts["snapshot_date"] <= end)]
        pool = pool.sort_values("snapshot_date")
        for day in [pd.Timestamp(d) for d in snapshot_dates if start <= pd.Timestamp(d) <= end]:
            last = pool[pool["snapshot_date"] <= day].drop_duplicates(["indicator_id", "entity_level", "entity_id"],
                                                                       keep="last")
            parts.append(last.assign(snapshot_date=day))
    rows = pd.concat(parts, ignore_index=True)
    scope = entities
    for key, column in (("commune", "commune_code"), ("zone", "zone_code"), ("isolation", "isolation"),
                        ("circonscription", "circonscription_code"), ("bassin", "bassin_code"),
                        ("degree", "degree"), ("site_type", "site_type"), ("uai", "entity_id")):
        if params.get(key) is not None:
            scope = scope[scope[column] == params[key]]
    breakdown = params["breakdown"]
    keep = ["entity_level", "entity_id", "pupils"] + [c for c in BREAKDOWN_COLUMNS.get(breakdown, ()) if c != "entity_id"]
    rows = rows.merge(scope[list(dict.fromkeys(keep))], on=["entity_level", "entity_id"], how="inner")
    if breakdown == "total":
        rows["group_id"], rows["group_label"] = "total", "Total"
    else:
        id_col, label_col = BREAKDOWN_COLUMNS[breakdown]
        rows["group_id"], rows["group_label"] = rows[id_col], rows[label_col]
        if breakdown == "degree":
            rows["group_id"] = rows["group_id"].astype("string")
            rows["group_label"] = rows["group_id"]
        rows = rows[rows["group_id"].notna()]
    rows["weighted"] = rows["value"] * rows["denominator"]
    grouped = rows.groupby(["snapshot_date", "indicator_id", "group_id"], as_index=False, sort=True).agg(
        group_label=("group_label", "first"), value_sum=("value", "sum"), denominator_sum=("denominator", "sum"),
        weighted_sum=("weighted", "sum"), reporting_entities=("value", "size"), reporting_pupils=("pupils", "sum"))
    rule = grouped["indicator_id"].map(rules)
    denominator = grouped["denominator_sum"].where(grouped["denominator_sum"] != 0)
    grouped["value"] = grouped["value_sum"]
    grouped.loc[rule == "ratio", "value"] = grouped["value_sum"] / denominator
    grouped.loc[rule == "weighted_mean", "value"] = grouped["weighted_sum"] / denominator
    return grouped


def _pandas_measure(data_dir: Path, questions: list[dict], repeat: int) -> dict:
    from observatoire.model.catalog import load_catalog
    from observatoire.settings import territory_folder
    from observatoire.storage.snapshots import list_snapshots
    from observatoire.model.territory import load_territory

    rules = {i.id: i.rollup for i in load_catalog(load_territory(territory_folder(data_dir)).roadmap_file).indicators}
    days = [s.snapshot_date for s in list_snapshots(data_dir)]
    started = time.perf_counter()
    facts, entities = load_pandas(data_dir)
    load_s = time.perf_counter() - started
    out = []
    for question in questions:
        params = _from_json(question["params"])
        frame = pandas_indicator_values(facts, entities, rules, days, params)  # warm-up
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            pandas_indicator_values(facts, entities, rules, days, params)
            times.append(time.perf_counter() - started)
        total = float(frame["value_sum"].fillna(0).sum())
        expected = question.get("value_sum_total")
        agrees = expected is not None and abs(total - expected) <= 1e-6 * max(1.0, abs(expected))
        out.append({"label": question["label"], "rows": len(frame), "agrees_with_duckdb": bool(agrees)
                    and len(frame) == question["rows"], **summary(times)})
    return {"load_s": load_s, "fact_rows": len(facts), "queries": out, "peak_rss_bytes": peak_rss_bytes()}


# --------------------------------------------------------------------------------------------- import

def _import_part(data_dir: str, max_rows: int, queue) -> None:
    try:
        queue.put(("ok", _import_measure(Path(data_dir), max_rows)))
    except BaseException as exc:
        import traceback

        queue.put(("error", f"{exc!r}\n{traceback.format_exc()}"))


def tile_facts(facts, sites, rows: int):
    """(facts, sites, copies): the site facts repeated over `copies` copies of the sites (fresh valid UAIs)
    until there are `rows` distinct facts; unchanged when there are already enough."""
    import pandas as pd

    from observatoire.model.uai import make_uai

    if len(facts) >= rows or not len(facts):
        return facts.head(rows), sites, 1
    copies = -(-rows // len(facts))
    used = {int(u[:7]) for u in sites["uai"]}
    numbers = (n for n in range(9_999_999, 0, -1) if n not in used)  # from the top: no clash with real codes
    all_sites, all_facts = [sites], [facts]
    for _ in range(copies - 1):
        fresh = {u: make_uai(next(numbers)) for u in sites["uai"]}
        all_sites.append(sites.assign(uai=sites["uai"].map(fresh)))
        all_facts.append(facts.assign(entity_id=facts["entity_id"].map(fresh)))
    return pd.concat(all_facts, ignore_index=True).head(rows), pd.concat(all_sites, ignore_index=True), copies


def _import_measure(data_dir: Path, max_rows: int) -> dict:
    """Time the long-format import (validation, then write) of the latest snapshot's site facts, into a copy."""
    import shutil

    import pandas as pd

    from observatoire.storage.snapshots import list_snapshots, write_snapshot

    latest = list_snapshots(data_dir)[-1]
    facts = pd.read_parquet(latest.path / "facts.parquet")
    facts = facts[facts["entity_level"] == "site"].head(max_rows)
    sites = pd.read_parquet(data_dir / "reference" / "sites.parquet")
    # A throughput needs a file of many rows: below max_rows (Guyane: 3 357 site facts), the facts are repeated
    # over copies of the sites under fresh UAIs, so the file has max_rows distinct facts, all valid.
    facts, sites, copies = tile_facts(facts, sites, max_rows)
    out: dict = {"rows": len(facts), "site_copies": copies}
    with tempfile.TemporaryDirectory(prefix="observatoire-bench-") as tmp:
        target = Path(tmp) / "data"
        (target / "reference").mkdir(parents=True)
        sites.to_parquet(target / "reference" / "sites.parquet", index=False)
        shutil.copy(data_dir / "manifest.json", target / "manifest.json")
        # The snapshot writer alone (sort, Parquet, manifest, atomic rename).
        started = time.perf_counter()
        write_snapshot(target, date(2000, 1, 31), facts)
        write_s = time.perf_counter() - started
        out["snapshot_writer"] = {"seconds": write_s, "rows_per_s": len(facts) / write_s}
        try:
            from observatoire.ingest import commit, prepare
        except ImportError:
            out["import"] = None
            out["note"] = "observatoire.ingest absent : seul l'écrivain d'instantanés est mesuré"
            out["peak_rss_bytes"] = peak_rss_bytes()
            return out
        csv = Path(tmp) / "long.csv"
        pd.DataFrame({"uai": facts["entity_id"], "indicateur": facts["indicator_id"], "valeur": facts["value"],
                      "denominateur": facts["denominator"]}).to_csv(csv, sep=";", index=False)
        os.environ.setdefault("OBSERVATOIRE_IMPORT_MAX_MB", str(max(50, csv.stat().st_size // 1_000_000 + 10)))
        started = time.perf_counter()
        plan = prepare([csv], date(2000, 2, 29), target, "long")
        validate_s = time.perf_counter() - started
        errors = [p.message() for p in plan.errors][:5]
        commit_s = None
        if not errors:
            started = time.perf_counter()
            commit(plan)
            commit_s = time.perf_counter() - started
        total = validate_s + (commit_s or 0)
        out["import"] = {"file_bytes": csv.stat().st_size, "validate_s": validate_s, "commit_s": commit_s,
                         "rows_per_s": len(facts) / total if not errors else None, "errors": errors}
    out["peak_rss_bytes"] = peak_rss_bytes()
    return out


# --------------------------------------------------------------------------------------------- driver

def _spawn(target, *args):
    """Run `target(*args, queue)` in a fresh interpreter; return its result or raise its error."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    while True:  # a part killed (out of memory…) must not leave the parent waiting forever
        try:
            status, payload = queue.get(timeout=5)
            break
        except Exception:  # queue.Empty
            if not process.is_alive():
                status, payload = "error", f"{target.__name__} : processus arrêté (code {process.exitcode})"
                break
    process.join()
    if status != "ok":
        raise RuntimeError(payload)
    return payload


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
    server = _spawn(_server_part, str(directory), repeat)
    questions = [q for q in server["queries"] if q["name"] == "indicator_values"]
    log(f"Référence pandas ({len(questions)} questions de cumul)…")
    pandas = _spawn(_pandas_part, str(directory), questions, max(1, min(repeat, 5)))
    log("Import…")
    imported = _spawn(_import_part, str(directory), import_rows)
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
                "figure": f"{rate:,.0f} lignes/s ({_fmt_int(result['import']['rows'])} lignes)".replace(",", " ") if rate
                else "non mesuré",
                "met": rate >= TARGET_IMPORT_ROWS_S if rate else False})
    return out


# --------------------------------------------------------------------------------------------- report

def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:,.0f}".replace(",", " ")


def _fmt_int(value) -> str:
    return "—" if value is None else f"{int(value):,}".replace(",", " ")


def render_table(result: dict) -> str:
    """The Markdown tables printed at the end of a run (and pasted into the README)."""
    d, m = result["dataset"], result["machine"]
    v = result["versions"]
    ram = f"{m['ram_bytes'] / 2**30:.0f} Go" if m.get("ram_bytes") else "?"
    lines = [f"Échelle **{result['scale']}** : {_fmt_int(d['sites'])} établissements, {d['snapshots']} instantanés, "
             f"{_fmt_int(d['facts'])} faits — {m['cpu_count']} cœurs, {ram} ; Python {v['python']}, "
             f"Streamlit {v['streamlit']}, DuckDB {v['duckdb']}, pandas {v['pandas']}, pyarrow {v['pyarrow']} ; "
             f"{result['repeat']} répétitions.", ""]
    floor = result["floor"]["p50_s"]
    lines += ["| page | 1er rendu, caches vides (ms) | rendu chaud p50 (ms) | p95 (ms) | × plancher |",
              "|---|---:|---:|---:|---:|",
              f"| *plancher : page vide (`st.write`)* | {_ms(result['floor']['cold_s'])} | {_ms(floor)} | "
              f"{_ms(result['floor']['p95_s'])} | 1,0 |"]
    for page in result["pages"]:
        flag = " ⚠" if page["errors"] else ""
        lines.append(f"| {page['name']}{flag} | {_ms(page['cold_s'])} | {_ms(page['p50_s'])} | {_ms(page['p95_s'])} | "
                     f"{page['p50_s'] / floor:.1f} |".replace(".", ","))
    pandas = {p["label"]: p for p in result["pandas"]["queries"]}
    lines += ["", "| requête (DuckDB, chaude) | lignes | p50 (ms) | p95 (ms) | pandas p50 (ms) | pandas ÷ DuckDB |",
              "|---|---:|---:|---:|---:|---:|"]
    for q in sorted(result["queries"], key=lambda q: -q["p50_s"]):
        p = pandas.get(q["label"])
        ratio = f"{p['p50_s'] / q['p50_s']:.1f}".replace(".", ",") if p and q["p50_s"] else "—"
        lines.append(f"| `{q['label']}` | {_fmt_int(q['rows'])} | {_ms(q['p50_s'])} | {_ms(q['p95_s'])} | "
                     f"{_ms(p['p50_s']) if p else '—'} | {ratio} |")
    c, mem, imp = result["comparison"], result["memory"], result["import"]
    lines += ["", "| mesure | valeur |", "|---|---|",
              f"| pandas : chargement des faits Parquet | {_ms(c['pandas_load_s'])} ms "
              f"({_fmt_int(result['pandas']['fact_rows'])} lignes) |",
              f"| cumuls : DuckDB / pandas (somme des p50) | {_ms(c['duckdb_s'])} ms / {_ms(c['pandas_query_s'])} ms |",
              f"| RSS maximale : serveur / pandas / import | {mem['server_peak_rss_bytes'] / 2**20:.0f} / "
              f"{mem['pandas_peak_rss_bytes'] / 2**20:.0f} / {mem['import_peak_rss_bytes'] / 2**20:.0f} Mo |",
              f"| écriture d'un instantané | {_fmt_int(imp['snapshot_writer']['rows_per_s'])} lignes/s "
              f"({_fmt_int(imp['rows'])} lignes) |"]
    if imp.get("import"):
        i = imp["import"]
        lines.append(f"| import format long (validation + écriture) | "
                     f"{_fmt_int(i['rows_per_s']) if i['rows_per_s'] else 'refusé'} lignes/s "
                     f"({_ms(i['validate_s'])} + {_ms(i['commit_s'])} ms) |")
    lines += ["", "| objectif | mesure | atteint |", "|---|---|---|"]
    for t in result["targets"]:
        met = {True: "oui", False: "**non**", None: "— (autre échelle)"}[t["met"]]
        lines.append(f"| {t['target'].replace('.', ',')} | {t['figure'].replace('.', ',')} | {met} |")
    return "\n".join(lines)


def main(scale: str, json_path: str | None, repeat: int, data_dir: str | None, seed: int | None = None) -> dict:
    result = run_bench(scale, Path(data_dir) if data_dir else None, repeat, seed,
                       log=lambda message: print(message, file=sys.stderr, flush=True))
    print(render_table(result))
    if json_path:
        Path(json_path).write_text(json.dumps(result, ensure_ascii=False, indent=2, default=_jsonable),
                                   encoding="utf-8")
    return result
