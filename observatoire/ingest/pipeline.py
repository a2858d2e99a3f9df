"""Imports end to end: `prepare()` reads and validates every file and writes nothing; `commit()` writes,
under the data directory's lock, atomically.

Decision on an existing snapshot date: refused unless the caller asks for a new version (`new_version`,
option --new-version). The new version is the current facts with the imported ones added — a fact of the
same indicator and entity is replaced by the imported value, and the count of replaced facts is a
warning in the manifest; the previous version goes to the archive and can be restored. Re-importing files
whose sha256 the current version already lists changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from observatoire.model.catalog import load_catalog
from observatoire.errors import ValidationError
from observatoire.settings import setting, territory_folder
from observatoire.storage.snapshots import ARCHIVE, data_lock, fingerprint, list_snapshots, write_snapshot
from observatoire.model.territory import load_territory
from observatoire.ingest import vector
from observatoire.ingest.detection import detect_format, recogniser
from observatoire.ingest.parse_context import ParseContext
from observatoire.ingest.parsers import FACT_PARSERS, FORMATS, parse_annuaire
from observatoire.ingest.plan import FACT_KEY, ImportPlan, ImportResult, UsageProblem
from observatoire.ingest.problems import Collector, safe_text
from observatoire.ingest.reader import read_bounded, read_table
from observatoire.ingest.sites_plan import plan_sites, read_sites
from observatoire.ingest.snapshot_plan import plan_snapshot
from observatoire.ingest.snapshot_date import parse_snapshot


def prepare(files: list, snapshot=None, data_dir: Path | None = None, fmt: str = "auto", sheet: str | None = None,
            new_version: bool = False, names: list[str] | None = None, today: date | None = None) -> ImportPlan:
    """Read and validate `files` (paths); nothing is written. `names` are the names shown in messages."""
    data_dir = Path(data_dir)
    paths = [Path(f) for f in files]
    shown = [safe_text(n, 120) for n in (names or [p.name for p in paths])]
    if fmt != "auto" and fmt not in FORMATS:
        raise UsageProblem(f"format « {fmt} » inconnu (auto, {', '.join(FORMATS)})")
    problems = Collector()
    state = fingerprint(data_dir)
    territory = load_territory(territory_folder(data_dir))
    catalog = load_catalog(territory.roadmap_file)
    plan = ImportPlan(data_dir, list(zip(paths, shown)), None,
                      {"fmt": fmt, "sheet": sheet, "new_version": new_version, "today": today}, state=state)
    plan.snapshot = parse_snapshot(snapshot, problems, today or date.today(), catalog.period)
    known, known_codes = _known_sites(data_dir)
    max_bytes = int(float(setting("import_max_mb")) * 1_000_000)

    tables = []
    recognise = recogniser(catalog)
    for path, name in plan.inputs:
        if not path.exists():
            raise UsageProblem(f"fichier introuvable : {safe_text(str(path), 200)} (vérifiez le chemin et le nom)")
        data = read_bounded(path, name, problems, max_bytes)  # once, with a bound: hashed and parsed from memory
        source = {"name": name, "sha256": hashlib.sha256(data or b"").hexdigest(), "bytes": len(data or b"")}
        plan.sources.append(source)
        if data is None:
            continue
        table = read_table(path, name, problems, max_bytes, sheet, recognise=recognise, data=data)
        if table is None:
            continue
        kind = fmt if fmt != "auto" else detect_format(table, catalog)
        if kind is None:
            problems.error(name, table.header_line, None,
                           f"format non reconnu (colonnes lues : {', '.join(table.header[:8])}"
                           f"{'…' if len(table.header) > 8 else ''})",
                           "Attendu : format long (uai, indicateur, valeur, denominateur), format large (uai puis une "
                           "colonne par identifiant d'indicateur), annuaire de l'éducation, audience ENT ou certification "
                           "Pix ; téléchargez un modèle, ou précisez le format (--format)"
                           + (f" ; feuilles du classeur : {', '.join(table.sheets)} (choisissez-en une avec --sheet, ou le "
                              "champ « Feuille » de la page)" if len(table.sheets) > 1 else ""))
            continue
        source.update({"format": kind, "rows": table.n_rows, "encoding": table.encoding,
                       "separator": table.separator, "sheet": table.sheet})
        tables.append((kind, table, source))

    needs_date = [t for kind, t, _ in tables if kind in FACT_PARSERS]
    if needs_date and snapshot in (None, ""):
        raise UsageProblem("la date de l'instantané est obligatoire pour importer des faits (--snapshot AAAA-MM-JJ)")

    ctx = ParseContext(catalog, territory, known, plan.snapshot, problems)
    annuaire_sites: list[dict] = []
    circs: dict[str, str] = {}
    for kind, table, source in tables:
        if kind == "annuaire":
            rows, found = parse_annuaire(table, ctx)
            annuaire_sites += rows
            circs.update(found)
            source["sites"] = len(rows)
    ctx.sites.update({s["uai"]: s["degree"] for s in annuaire_sites})
    ctx.site_codes = known_codes if not annuaire_sites else None
    frames, codes = [], []
    for kind, table, source in tables:
        if kind in FACT_PARSERS and (plan.snapshot is not None or kind in ("long", "wide")):
            FACT_PARSERS[kind](table, ctx)
            if ctx.facts:
                ctx.frames.append(pd.DataFrame(ctx.facts))
                ctx.codes.append(None)
                ctx.facts = []
            source["facts"] = int(sum(len(f) for f in ctx.frames))
            frames += ctx.frames
            codes += ctx.codes + [None] * (len(ctx.frames) - len(ctx.codes))
            ctx.frames, ctx.codes = [], []

    plan.facts, plan.fact_keys = deduplicate(frames, problems, codes)
    if annuaire_sites:
        plan_sites(plan, read_sites(data_dir), annuaire_sites, circs, territory, problems)
    if plan.snapshot is not None and needs_date and not problems.errors:
        plan_snapshot(plan, catalog, problems)
    plan.problems = problems.items
    return plan


def deduplicate(frames: list[pd.DataFrame], problems: Collector,
                codes: list | None = None) -> tuple[pd.DataFrame, vector.FactKeys | None]:
    """The facts, each (indicator, entity) once, and their keys (for the comparison with the previous snapshot); a repeated key
    is a warning (same value) or an error. `codes`: per frame, its key columns already encoded, or None."""
    columns = FACT_KEY + ["value", "denominator", "file", "line", "column"]
    codes = codes if codes is not None else [None] * len(frames)
    filled = [(f[columns], c) for f, c in zip(frames, codes) if len(f)]
    if len(filled) == 1:
        frame, encoded = filled[0][0].reset_index(drop=True), filled[0][1]
    else:
        frame = pd.concat([f for f, _ in filled], ignore_index=True) if filled else pd.DataFrame(columns=columns)
        encoded = None
    if frame.empty:
        return frame, None
    types = {"value": "float64", "denominator": "float64", "line": "int64"}
    if any(frame[c].dtype != t for c, t in types.items()):
        frame = frame.astype(types)
    keys = vector.FactKeys(encoded if encoded is not None else [frame[c] for c in FACT_KEY])
    key = keys.index
    if key.is_unique:
        return frame, keys
    repeated = key.duplicated(keep=False)
    # Each repeat against the first row of its key, vectorised; messages only for the rows the report keeps.
    repeats = frame[repeated].copy()
    repeats["_first"] = np.arange(len(repeats))
    firsts = repeats.groupby(FACT_KEY, sort=False)["_first"].transform("first").to_numpy()
    later = repeats["_first"].to_numpy() != firsts
    seen = repeats.iloc[firsts[later]].reset_index(drop=True)
    rows = repeats[later].reset_index(drop=True)
    same = (seen["value"].to_numpy() == rows["value"].to_numpy()) & (
        (seen["denominator"].to_numpy() == rows["denominator"].to_numpy())
        | (seen["denominator"].isna().to_numpy() & rows["denominator"].isna().to_numpy()))
    rows["is_same"], rows["seen_at"] = same, np.arange(len(rows))
    shown = rows.groupby(["file", "is_same"], sort=False).head(Collector.LIMIT_PER_KIND + 1)
    for row in shown.itertuples(index=False):
        first = seen.iloc[row.seen_at]
        other = f"{first['file']} ligne {first['line']}" if first["file"] != row.file else f"ligne {first['line']}"
        if row.is_same:
            problems.warning(row.file, row.line, row.column, f"ligne en double ({other}), même valeur : gardée une fois",
                             "Rien à faire (vous pouvez supprimer le doublon)", kind="duplicate_same")
        else:
            problems.error(row.file, row.line, row.column,
                           f"doublon de valeur différente : « {row.indicator_id} » pour {row.entity_id} vaut "
                           f"{row.value:g} ici et {first['value']:g} {other}",
                           "Gardez une seule ligne par entité et indicateur, avec la bonne valeur", kind="duplicate")
    keep = ~key.duplicated(keep="first")
    return frame[keep].reset_index(drop=True), keys.take(np.flatnonzero(keep))


def _known_sites(data_dir: Path) -> tuple[dict[str, int], pa.Array | None]:
    """UAI -> degree of the sites referential (read as two Arrow columns: 60 000 sites in a few ms), and the
    UAIs as an Arrow array (the screens look cells up in it without building it again from the dict)."""
    path = Path(data_dir) / "reference" / "sites.parquet"
    if not path.exists():
        return {}, None
    table = pq.read_table(path, columns=["uai", "degree"])
    uai = table.column("uai").combine_chunks().cast(pa.string())
    return dict(zip(uai.to_pylist(), table.column("degree").cast(pa.int64()).to_pylist())), uai


def commit(plan: ImportPlan) -> ImportResult:
    """Write what `plan` describes, under the lock; re-validates if the data changed since prepare()."""
    if plan.errors:
        raise ValidationError(plan.errors[0].file, [p.message() for p in plan.errors])
    with data_lock(plan.data_dir):
        if fingerprint(plan.data_dir) != plan.state:  # another import ran in between: judge again
            paths, names = zip(*plan.inputs)
            plan = prepare(list(paths), plan.snapshot, plan.data_dir, plan.options["fmt"], plan.options["sheet"],
                           plan.options["new_version"], list(names), plan.options["today"])
            if plan.errors:
                raise ValidationError(plan.errors[0].file, [p.message() for p in plan.errors])
        if not plan.has_changes:
            return ImportResult("unchanged", plan.summary())
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        for source in plan.sources:
            source["imported_at"] = now
        if plan.sites is not None:
            _write_reference(plan.data_dir, "sites", plan.sites)
            if plan.circonscriptions is not None:
                _write_reference(plan.data_dir, "circonscriptions", plan.circonscriptions)
        path = None
        if plan.snapshot_status in ("new", "new_version"):
            sources = [s for s in plan.sources if s.get("format") in FACT_PARSERS]
            warnings = [p.message() for p in plan.warnings]
            if plan.snapshot_status == "new_version":
                current = next(s for s in list_snapshots(plan.data_dir) if s.snapshot_date == plan.snapshot)
                sources = current.manifest.get("sources", []) + sources
                warnings = current.manifest.get("warnings", []) + warnings
            path = write_snapshot(plan.data_dir, plan.snapshot, plan.final_facts, sources=sources, warnings=warnings,
                                  extra={"demo": False}, replace=plan.snapshot_status == "new_version")
        return ImportResult("imported", plan.summary(), path)


def _write_reference(data_dir: Path, name: str, frame: pd.DataFrame) -> None:
    """reference/<name>.parquet replaced atomically; the previous file is kept in archive/reference/."""
    folder = Path(data_dir) / "reference"
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{name}.parquet"
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.tmp-", suffix=".parquet", dir=folder)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        if final.exists():
            archive = Path(data_dir) / ARCHIVE / "reference"
            archive.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
            os.link(final, archive / f"{name}_{stamp}.parquet")
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
