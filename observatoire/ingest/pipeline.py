"""Imports end to end: `prepare()` reads and validates every file and writes nothing; `commit()` writes,
under the data directory's lock, atomically.

Decision on an existing snapshot date: refused unless the caller asks for a new version (`new_version`,
option --new-version). The new version is the current facts with the imported ones added — a fact of the
same indicator and entity is replaced by the imported value, and the count of replaced facts is a
warning in the manifest; the previous version goes to the archive and can be restored. Re-importing files
whose sha256 the current version already lists changes nothing.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from observatoire.model.catalog import Catalog, load_catalog
from observatoire.model.dates import format_date_fr
from observatoire.errors import ObservatoireError, ValidationError
from observatoire.settings import data_manifest, setting, territory_folder
from observatoire.storage.snapshots import (ARCHIVE, data_lock, fingerprint, list_snapshots, sha256_file, write_snapshot)
from observatoire.model.territory import Territory, load_territory
from observatoire.ingest.detection import detect_format, recogniser
from observatoire.ingest.parse_context import ParseContext
from observatoire.ingest.parsers import FACT_PARSERS, FORMATS, parse_annuaire
from . import vector
from observatoire.ingest.problems import Collector, Problem
from observatoire.ingest.reader import read_table
from observatoire.ingest.text import parse_date

FACT_KEY = ["indicator_id", "entity_level", "entity_id"]
SNAPSHOT_SOURCE = "date de l'instantané"
SITE_ORDER = ["uai", "name", "site_type", "degree", "sector", "commune_code", "circonscription_code", "bassin_code",
              "isolation", "access", "village", "lat", "lon", "pupils", "education_prioritaire", "is_open", "is_demo"]


class UsageProblem(ObservatoireError):
    """The command was called wrongly (exit code 2), as opposed to a bad file (exit code 1)."""


@dataclass
class ImportPlan:
    """What an import would do; nothing is written until commit()."""

    data_dir: Path
    inputs: list[tuple[Path, str]]
    snapshot: date | None
    options: dict
    problems: list[Problem] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    facts: pd.DataFrame = field(default_factory=pd.DataFrame)  # imported facts, with file/line/column
    final_facts: pd.DataFrame | None = None  # the snapshot to write (merged with the current one if new version)
    sites: pd.DataFrame | None = None  # the new sites table, when an annuaire changes it
    circonscriptions: pd.DataFrame | None = None
    site_changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    fact_keys: vector.FactKeys | None = field(default=None, repr=False)  # keys of `facts`, for the comparison
    snapshot_status: str = "none"  # none | new | new_version | unchanged
    state: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return self.snapshot_status in ("new", "new_version") or self.sites is not None

    def report(self) -> pd.DataFrame:
        """The validation report, one row per problem, in French."""
        return pd.DataFrame([{"Gravité": p.severity, "Fichier": p.file, "Ligne": p.line, "Colonne": p.column,
                              "Constat": p.found, "Que faire": p.action} for p in self.problems],
                            columns=["Gravité", "Fichier", "Ligne", "Colonne", "Constat", "Que faire"])

    def summary(self) -> str:
        parts = []
        if self.snapshot_status == "unchanged":
            parts.append(f"instantané du {format_date_fr(self.snapshot)} : ces fichiers y sont déjà importés, rien à faire")
        elif self.snapshot_status in ("new", "new_version"):
            what = "nouvelle version de l'instantané" if self.snapshot_status == "new_version" else "nouvel instantané"
            parts.append(f"{what} du {format_date_fr(self.snapshot)} : {len(self.final_facts)} faits "
                         f"dont {len(self.facts)} importés")
        if self.sites is not None:
            counts = self.site_changes["Changement"].value_counts().to_dict() if len(self.site_changes) else {}
            parts.append("référentiel des établissements : " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        elif any(s.get("format") == "annuaire" for s in self.sources):
            parts.append("référentiel des établissements : déjà à jour, rien à faire")
        return " ; ".join(parts) or "rien à importer"


def _parse_snapshot(value, problems: Collector, today: date) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            try:
                day = parse_date(str(value))
            except ValueError:
                problems.error(SNAPSHOT_SOURCE, None, None, f"« {value} » n'est pas une date",
                               "Écrivez la date de l'instantané en AAAA-MM-JJ, par exemple 2025-01-31")
                return None
    if day > today:
        problems.error(SNAPSHOT_SOURCE, None, None, f"le {format_date_fr(day)} est dans le futur",
                       "Un instantané décrit une situation constatée : choisissez une date passée ou aujourd'hui")
        return None
    return day


def prepare(files: list, snapshot=None, data_dir: Path | None = None, fmt: str = "auto", sheet: str | None = None,
            new_version: bool = False, names: list[str] | None = None, today: date | None = None) -> ImportPlan:
    """Read and validate `files` (paths); nothing is written. `names` are the names shown in messages."""
    data_dir = Path(data_dir)
    paths = [Path(f) for f in files]
    shown = names or [p.name for p in paths]
    if fmt != "auto" and fmt not in FORMATS:
        raise UsageProblem(f"format « {fmt} » inconnu (auto, {', '.join(FORMATS)})")
    problems = Collector()
    state = fingerprint(data_dir)
    territory = load_territory(territory_folder(data_dir))
    catalog = load_catalog(territory.roadmap_file)
    plan = ImportPlan(data_dir, list(zip(paths, shown)), None,
                      {"fmt": fmt, "sheet": sheet, "new_version": new_version, "today": today}, state=state)
    plan.snapshot = _parse_snapshot(snapshot, problems, today or date.today())
    known, known_codes = _known_sites(data_dir)
    max_bytes = int(float(setting("import_max_mb")) * 1_000_000)

    tables = []
    recognise = recogniser(catalog)
    for path, name in plan.inputs:
        if not path.exists():
            raise UsageProblem(f"fichier introuvable : {path}")
        table = read_table(path, name, problems, max_bytes, sheet, recognise=recognise)
        source = {"name": name, "sha256": sha256_file(path), "bytes": path.stat().st_size}
        plan.sources.append(source)
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

    plan.facts, plan.fact_keys = _deduplicate(frames, problems, codes)
    if annuaire_sites:
        _plan_sites(plan, _read_sites(data_dir), annuaire_sites, circs, territory, problems)
    if plan.snapshot is not None and needs_date and not problems.errors:
        _plan_snapshot(plan, catalog, problems)
    plan.problems = problems.items
    return plan


def _deduplicate(frames: list[pd.DataFrame], problems: Collector,
                 codes: list | None = None) -> tuple[pd.DataFrame, vector.FactKeys | None]:
    """The facts, each (indicator, entity) once, and their keys (for _compare_with_previous); a repeated key
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


def _plan_snapshot(plan: ImportPlan, catalog: Catalog, problems: Collector) -> None:
    day = plan.snapshot
    snapshots = list_snapshots(plan.data_dir)
    current = next((s for s in snapshots if s.snapshot_date == day), None)
    imported = plan.facts[FACT_KEY + ["value", "denominator"]]
    fact_sources = [s for s in plan.sources if s.get("format") in FACT_PARSERS]
    if current is not None:
        listed = {s.get("sha256") for s in current.manifest.get("sources", [])}
        if all(s["sha256"] in listed for s in fact_sources):
            plan.snapshot_status = "unchanged"
            return
        if not plan.options["new_version"]:
            problems.error(SNAPSHOT_SOURCE, None, None,
                           f"l'instantané du {format_date_fr(day)} existe déjà ({current.rows} faits, version "
                           f"{current.manifest.get('version', 1)}) ; l'import ne le complète pas sans votre accord",
                           "Choisissez une autre date, ou demandez une nouvelle version (option --new-version, ou la case "
                           "« nouvelle version » de la page) : elle reprendra les faits existants, les valeurs importées "
                           "remplaçant celles de même indicateur et entité, et l'ancienne version restera restaurable")
            return
        existing = pq.read_table(current.path / "facts.parquet").to_pandas()
        merged = existing.merge(imported[FACT_KEY], on=FACT_KEY, how="left", indicator=True)
        replaced = int((merged["_merge"] == "both").sum())
        kept = existing[(merged["_merge"] == "left_only").to_numpy()]
        plan.final_facts = pd.concat([kept, imported], ignore_index=True)
        plan.snapshot_status = "new_version"
        if replaced:
            problems.warning(SNAPSHOT_SOURCE, None, None,
                             f"{replaced} fait(s) de la version {current.manifest.get('version', 1)} remplacé(s) par les valeurs importées",
                             "Rien à faire : l'ancienne version reste restaurable (observatoire snapshots --restore)")
    else:
        # In the snapshot's order already (integer ranks): the writer's sort of the texts then finds them sorted.
        order = plan.fact_keys.sort_order() if plan.fact_keys is not None else None
        if order is not None and (np.diff(order) < 0).any():
            plan.final_facts = imported.take(order).reset_index(drop=True)
        else:
            plan.final_facts = imported.copy()
        plan.snapshot_status = "new"
    previous = [s for s in snapshots if s.snapshot_date < day]
    if previous:
        _compare_with_previous(plan, previous[-1], catalog, problems)


def _compare_with_previous(plan: ImportPlan, previous, catalog: Catalog, problems: Collector) -> None:
    """Warnings: sites that stopped reporting an imported indicator, values that jumped more than x10."""
    old = pq.read_table(previous.path / "facts.parquet", columns=FACT_KEY + ["value", "denominator"])
    when = format_date_fr(previous.snapshot_date)
    facts, final = plan.facts, plan.final_facts
    keys = plan.fact_keys if plan.fact_keys is not None else vector.FactKeys([facts[c] for c in FACT_KEY])
    imported = pc.is_in(old["indicator_id"], value_set=keys.present(0))
    if not pc.all(imported).as_py():
        old = old.filter(imported)
    site = pc.equal(old["entity_level"], "site").to_numpy(zero_copy_only=False)
    if final is not facts and len(final) != len(facts):  # a new version: the current facts are kept too
        old_keys, new_keys, final_keys = vector.fact_keys(*(tuple(t[c] for c in FACT_KEY) for t in (old, facts, final)))
        gone_mask = site & (vector.lookup(final_keys, old_keys) < 0)
        at = vector.lookup(old_keys, new_keys)
    else:  # one hash table, of the imported facts' keys (unique): each old fact's position among them
        position = keys.index.get_indexer(keys.of([old[c] for c in FACT_KEY]))
        gone_mask = site & (position < 0)
        found = np.flatnonzero(position >= 0)
        at = np.full(len(facts), -1, dtype=np.int64)
        at[position[found]] = found
        if not (at[position[found]] == found).all():  # a key twice in the old snapshot: its first fact, as lookup()
            first = np.unique(position[found], return_index=True)[1]
            at[position[found[first]]] = found[first]
    # Sites that stopped reporting: old site facts whose key is not in the new snapshot.
    if gone_mask.any():
        gone = old.filter(pa.array(gone_mask)).select(["indicator_id", "entity_id"]).to_pandas()
        for ind_id, group in gone.groupby("indicator_id", sort=True):
            ids = sorted(group["entity_id"])
            label = catalog.indicator(ind_id).label if ind_id in catalog.ids else ind_id
            problems.warning(SNAPSHOT_SOURCE, None, None,
                             f"{len(ids)} établissement(s) ne déclarent plus « {label} » ({ind_id}), présents le {when} : "
                             f"{', '.join(ids[:8])}{'…' if len(ids) > 8 else ''}",
                             "Vérifiez que le fichier est complet ; si ces établissements n'ont rien déclaré, rien à faire",
                             kind="stopped")
    # Jumps: imported facts against the same key at the previous snapshot.
    factor = float(setting("import_jump_factor"))
    matched = np.flatnonzero(at >= 0)
    if not len(matched):
        return

    def ratio(value, den):
        usable = ~np.isnan(den) & (den != 0)
        return np.where(usable, value / np.where(usable, den, 1.0), value)

    old_value = old["value"].to_numpy()[at[matched]]
    old_den = old["denominator"].to_numpy(zero_copy_only=False).astype(float)[at[matched]]
    new_value = facts["value"].to_numpy(dtype=float)[matched]
    new_den = facts["denominator"].to_numpy(dtype=float, na_value=np.nan)[matched]
    new_v, old_v = ratio(new_value, new_den), ratio(old_value, old_den)
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = (new_v > 0) & (old_v > 0) & (np.maximum(new_v / old_v, old_v / new_v) > factor)
    if not jump.any():
        return
    joined = facts.iloc[matched[jump]].assign(value_old=old_value[jump])
    shown = joined.groupby("file", sort=False).head(Collector.LIMIT_PER_KIND + 1)  # what the report keeps
    for row in shown.itertuples(index=False):
        problems.warning(row.file, row.line, row.column,
                         f"« {row.indicator_id} » pour {row.entity_id} passe de {row.value_old:g} ({when}) à {row.value:g}, "
                         f"un saut de plus de x{factor:g}",
                         "Vérifiez l'unité (milliers ?), le séparateur décimal et la colonne ; si la valeur est juste, rien à faire",
                         kind="jump")


def _known_sites(data_dir: Path) -> tuple[dict[str, int], pa.Array | None]:
    """UAI -> degree of the sites referential (read as two Arrow columns: 60 000 sites in a few ms), and the
    UAIs as an Arrow array (the screens look cells up in it without building it again from the dict)."""
    path = Path(data_dir) / "reference" / "sites.parquet"
    if not path.exists():
        return {}, None
    table = pq.read_table(path, columns=["uai", "degree"])
    uai = table.column("uai").combine_chunks().cast(pa.string())
    return dict(zip(uai.to_pylist(), table.column("degree").cast(pa.int64()).to_pylist())), uai


def _read_sites(data_dir: Path) -> pd.DataFrame:
    path = Path(data_dir) / "reference" / "sites.parquet"
    if path.exists():
        return pd.read_parquet(path)
    return pd.DataFrame(columns=SITE_ORDER)


def _plan_sites(plan: ImportPlan, old: pd.DataFrame, records: list[dict], circs: dict[str, str], territory: Territory,
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


@dataclass(frozen=True)
class ImportResult:
    status: str  # imported | unchanged
    message: str
    snapshot_path: Path | None = None


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
