"""Import throughput: a long-format file of many valid facts, validated then written; the snapshot writer alone."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from observatoire.bench.measure import peak_rss_bytes


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


def import_measure(data_dir: Path, max_rows: int) -> dict:
    """Time the long-format import (validation, then write) of the latest snapshot's site facts, into a copy."""
    import shutil

    import pandas as pd

    from observatoire.storage.snapshots import list_snapshots, write_snapshot

    latest = list_snapshots(data_dir)[-1]
    facts = pd.read_parquet(latest.path / "facts.parquet")
    facts = facts[facts["entity_level"] == "site"].head(max_rows)
    sites = pd.read_parquet(data_dir / "reference" / "sites.parquet")
    # A throughput needs a file of many rows: below max_rows (the smallest scale: 3 357 site facts), the facts are
    # repeated over copies of the sites under fresh UAIs, so the file has max_rows distinct facts, all valid.
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
        # The day after the latest snapshot: a new date inside the roadmap's period (imports refuse others).
        plan = prepare([csv], latest.snapshot_date + timedelta(days=1), target, "long")
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
