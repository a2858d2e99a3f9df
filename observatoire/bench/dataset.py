"""The bench's demo dataset of a scale: built once, then reused while the generator version, scale and seed hold."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path


def dataset_checksum(scale: str, seed: int) -> str:
    from observatoire.demo import GENERATOR_VERSION

    return hashlib.sha256(f"{GENERATOR_VERSION}|{scale}|{seed}".encode()).hexdigest()[:16]


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
