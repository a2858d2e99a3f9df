"""Deterministic demo data: fictitious sites placed in their communes, monthly snapshots of every indicator.

Every number here is invented; the data directory's manifest says so (`"demo": true`) and every page
shows the demo label while it is in use.
"""


from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from observatoire import __version__
from observatoire.demo.facts import (MONTHS, generation_order, indicator_facts, load_profiles, measured_entities,
                                     snapshot_dates)
from observatoire.demo.sites import DEFAULT_SEED, build_sites
from observatoire.model.catalog import load_catalog
from observatoire.model.territory import load_territory
from observatoire.settings import requested_territory, territory_folder, territory_id
from observatoire.storage.snapshots import SNAPSHOTS, list_snapshots, write_snapshot

# Bump when the generator's output changes: `observatoire bench` rebuilds its cached datasets then.
# 2: snapshot row groups of 64 Ki rows; 3: counts below 1 per entity rounded by chance; 4: a consistent demo
# (cumulative values never fall within a school year, linked indicators: requires, denominator_from, share_of).
GENERATOR_VERSION = 4
SCALES = {"guyane": 1, "academie": 30, "national": 256}


def build_demo(data_dir: Path, territory_name: str | None = None, seed: int = DEFAULT_SEED, scale: str = "guyane",
               months: int = MONTHS, force: bool = False) -> dict:
    """Write the demo data directory: reference/sites.parquet, one snapshot per month, manifest.json."""
    data_dir = Path(data_dir)
    manifest_path = data_dir / "manifest.json"
    existing = list_snapshots(data_dir)
    if existing:
        current = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
        if not current.get("demo"):
            raise FileExistsError(f"{data_dir} contient déjà des instantanés réels : la démo ne les remplace pas")
        if not force:
            raise FileExistsError(f"{data_dir} contient déjà des données de démonstration (option --force pour les régénérer)")
        return _replacing(data_dir, lambda: build_demo(data_dir, territory_name, seed, scale, months, force=False))
    # The territory asked for (--territory, OBSERVATOIRE_TERRITORY), else the data directory's, else the default.
    folder = territory_folder(data_dir, territory_name or requested_territory() or territory_id(data_dir))
    territory = load_territory(folder)
    catalog = load_catalog(territory.roadmap_file)
    profiles = load_profiles(folder / "demo.toml", catalog)
    multiplier = SCALES[scale]
    sites = build_sites(territory, seed, multiplier)
    classes = [c.id for c in territory.isolation]
    days = snapshot_dates(months=months)
    per_day: list[list[pd.DataFrame]] = [[] for _ in days]
    generated: dict[str, list[pd.DataFrame]] = {}
    for ind in generation_order(catalog, profiles):
        profile = profiles[ind.id]
        entities = measured_entities(ind, sites, territory, profile)
        generated[ind.id] = indicator_facts(ind, profile, entities, days, seed, classes,
                                            {other: generated[other] for other in profile.links})
    for ind in catalog.indicators:   # the catalog's order, whatever the generation's
        for i, frame in enumerate(generated[ind.id]):
            if len(frame):
                per_day[i].append(frame)
    (data_dir / "reference").mkdir(parents=True, exist_ok=True)
    tmp = data_dir / "reference" / ".sites.parquet.tmp"
    sites.to_parquet(tmp, index=False)
    tmp.replace(data_dir / "reference" / "sites.parquet")
    total = 0
    source = [{"name": "démonstration", "kind": "demo", "seed": seed}]
    for day, frames in zip(days, per_day):
        facts = pd.concat(frames, ignore_index=True)
        total += len(facts)
        write_snapshot(data_dir, day, facts, sources=source, extra={"demo": True})
    manifest = {
        "territory": territory.id, "demo": True, "seed": seed, "scale": scale,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "program_version": __version__, "generator_version": GENERATOR_VERSION, "sites": len(sites), "snapshots": len(days), "facts": total,
    }
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def _replacing(data_dir: Path, build) -> dict:
    """Run `build` over an emptied data directory; if it fails (full disk, read-only folder), the previous demo
    comes back as it was (its snapshots were moved aside by a rename, its sites file kept by a hard link)."""
    aside = data_dir / ".snapshots-replaced"
    shutil.rmtree(aside, ignore_errors=True)
    (data_dir / SNAPSHOTS).rename(aside)
    keep = {}
    for name in ("reference/sites.parquet", "manifest.json"):
        if (data_dir / name).exists():
            keep[name] = data_dir / (name + ".replaced")
            keep[name].unlink(missing_ok=True)
            os.link(data_dir / name, keep[name])
    try:
        manifest = build()
    except BaseException:
        shutil.rmtree(data_dir / SNAPSHOTS, ignore_errors=True)
        aside.rename(data_dir / SNAPSHOTS)
        for name, copy in keep.items():
            copy.replace(data_dir / name)
        raise
    shutil.rmtree(aside, ignore_errors=True)
    for copy in keep.values():
        copy.unlink(missing_ok=True)
    return manifest
