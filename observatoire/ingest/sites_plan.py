"""The sites referential an annuaire import leads to: each site added, updated or closed, and the
circonscriptions the export names that the territory does not."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from observatoire.model.territory import Territory
from observatoire.ingest.plan import ImportPlan
from observatoire.ingest.problems import Collector


SITE_ORDER = ["uai", "name", "site_type", "degree", "sector", "commune_code", "circonscription_code", "bassin_code",
              "isolation", "access", "village", "lat", "lon", "pupils", "education_prioritaire", "is_open", "is_demo"]


def read_sites(data_dir: Path) -> pd.DataFrame:
    path = Path(data_dir) / "reference" / "sites.parquet"
    if path.exists():
        return pd.read_parquet(path)
    return pd.DataFrame(columns=SITE_ORDER)


def plan_sites(plan: ImportPlan, old: pd.DataFrame, records: list[dict], circs: dict[str, str], territory: Territory,
               problems: Collector) -> None:
    communes = territory.communes.set_index("insee")
    circ_of = territory.area_of_commune(territory.circonscriptions)
    bassin_of = territory.area_of_commune(territory.bassins)
    table = old.set_index("uai", drop=False) if len(old) else pd.DataFrame(columns=SITE_ORDER).set_index("uai", drop=False)
    rows = {uai: dict(row) for uai, row in table.iterrows()}
    changes = []
    seen = set()
    for rec in records:
        uai = rec["uai"]
        if uai in seen:
            problems.warning(rec["file"], rec["line"], None, f"UAI {uai} en double dans l'annuaire : la dernière ligne l'emporte",
                             "Rien à faire", kind="dup_site")
        seen.add(uai)
        c = communes.loc[rec["commune_code"]]
        before = rows.get(uai)
        row = dict(before) if before is not None else {
            "uai": uai, "isolation": c["isolation"], "access": c["access"], "village": "",
            "bassin_code": None, "circonscription_code": None, "lat": None, "lon": None, "pupils": 0}
        if before is not None and before.get("commune_code") != rec["commune_code"]:
            row.update(isolation=c["isolation"], access=c["access"], village="")
        for key in ("name", "site_type", "degree", "sector", "commune_code", "education_prioritaire", "is_open"):
            row[key] = rec[key]
        for key in ("lat", "lon", "pupils", "circonscription_code"):
            if rec.get(key) is not None:
                row[key] = rec[key]
        if row["degree"] == 1:
            row["bassin_code"] = None
            if not row.get("circonscription_code") or pd.isna(row.get("circonscription_code")):
                row["circonscription_code"] = circ_of.get(rec["commune_code"], [None])[0]
        else:
            row["circonscription_code"] = None
            if not row.get("bassin_code") or pd.isna(row.get("bassin_code")):
                row["bassin_code"] = bassin_of.get(rec["commune_code"], [None])[0]
        if row.get("lat") is None or pd.isna(row.get("lat")):
            row["lat"], row["lon"] = float(c["lat"]), float(c["lon"])
        row["is_demo"] = False
        if before is None:
            kind = "ajouté"
        elif any(_differs(before.get(k), row.get(k)) for k in SITE_ORDER):
            kind = "fermé" if before.get("is_open") and not row["is_open"] else "mis à jour"
        else:
            kind = None
        if kind:
            changes.append({"UAI": uai, "Nom": row["name"], "Changement": kind, "Commune": c["name"],
                            "Circonscription": row["circonscription_code"] or ""})
        rows[uai] = row
    plan.site_changes = pd.DataFrame(changes, columns=["UAI", "Nom", "Changement", "Commune", "Circonscription"])
    new = pd.DataFrame(list(rows.values()))[SITE_ORDER].sort_values("uai").reset_index(drop=True)
    new = new.astype({"degree": "int32", "pupils": "int32", "lat": float, "lon": float, "is_open": bool, "is_demo": bool})
    known = set(territory.circonscriptions["code"])
    extra = _read_extra_circonscriptions(plan.data_dir)
    for code, name in circs.items():
        if code not in known:
            extra[code] = name
    circ_frame = pd.DataFrame([
        {"code": code, "name": name,
         "communes": " ".join(sorted(set(new.loc[new["circonscription_code"] == code, "commune_code"])))}
        for code, name in sorted(extra.items())], columns=["code", "name", "communes"])
    old_circ = _read_circ_frame(plan.data_dir)
    if changes or not circ_frame.equals(old_circ):
        plan.sites = new
        plan.circonscriptions = circ_frame if len(circ_frame) else None


def _differs(a, b) -> bool:
    if (a is None or (not isinstance(a, str) and pd.isna(a))) and (b is None or (not isinstance(b, str) and pd.isna(b))):
        return False
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) > 1e-9
        except (TypeError, ValueError):
            return True
    return a != b


def _read_circ_frame(data_dir: Path) -> pd.DataFrame:
    path = Path(data_dir) / "reference" / "circonscriptions.parquet"
    return pd.read_parquet(path) if path.exists() else pd.DataFrame(columns=["code", "name", "communes"])


def _read_extra_circonscriptions(data_dir: Path) -> dict[str, str]:
    frame = _read_circ_frame(data_dir)
    return dict(zip(frame["code"], frame["name"]))
