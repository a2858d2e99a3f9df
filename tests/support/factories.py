"""Fixture data built in code: a data directory with hand-made sites and facts over the Guyane territory."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd

from observatoire.storage.snapshots import write_snapshot
from observatoire.model.uai import make_uai

SITE_DEFAULTS = dict(sector="public", circonscription_code=None, bassin_code=None, access="route", village="",
                     lat=4.93, lon=-52.33, pupils=100, education_prioritaire="", is_open=True, is_demo=False)


def site(number: int, commune: str, isolation: str, site_type: str = "ecole", **extra) -> dict:
    """A site row; `number` becomes a valid UAI 9730000+number."""
    degree = 1 if site_type == "ecole" else 2
    row = {**SITE_DEFAULTS, "uai": make_uai(9_730_000 + number), "name": f"Site test {number}",
           "site_type": site_type, "degree": degree, "commune_code": commune, "isolation": isolation}
    row.update(extra)
    return row


def fact(indicator_id: str, entity_id: str, value: float, denominator: float | None = None, level: str = "site") -> dict:
    return {"indicator_id": indicator_id, "entity_level": level, "entity_id": entity_id,
            "value": float(value), "denominator": None if denominator is None else float(denominator)}


def make_data_dir(root: Path, sites: list[dict], facts: dict[date, list[dict]], demo: bool = False) -> Path:
    """Write reference/sites.parquet, one snapshot per date and manifest.json under `root`."""
    root = Path(root)
    (root / "reference").mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(sites)
    frame["degree"] = frame["degree"].astype("int32")
    frame["pupils"] = frame["pupils"].astype("int32")
    frame.to_parquet(root / "reference" / "sites.parquet", index=False)
    for day, rows in facts.items():
        write_snapshot(root, day, pd.DataFrame(rows, columns=["indicator_id", "entity_level", "entity_id", "value", "denominator"]))
    (root / "manifest.json").write_text(json.dumps({"territory": "guyane", "demo": demo}), encoding="utf-8")
    return root
