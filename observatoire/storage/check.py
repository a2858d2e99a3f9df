"""Consistency check of a data directory: roadmap, territory, reference tables and every snapshot."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

from observatoire.model.catalog import load_catalog
from observatoire.model.dates import format_date_fr
from observatoire.errors import ValidationError
from observatoire.settings import territory_folder
from observatoire.storage.snapshots import FACT_SCHEMA, FOLDER_PATTERN, SNAPSHOTS, sha256_file
from observatoire.storage.store import Store
from observatoire.model.territory import load_territory
from observatoire.model.uai import uai_problem

PROBLEM_TEXT = {
    "unknown_indicator": "indicateur inconnu de la feuille de route",
    "unknown_entity": "entité inconnue (UAI, commune ou académie absent des référentiels)",
    "wrong_level": "indicateur déclaré à un autre niveau de mesure",
}
LEVEL_TEXT = {"site": "établissement", "commune": "commune", "academie": "académie"}


def check_data_dir(data_dir: Path) -> list[str]:
    """Every problem found, in French; an empty list means the directory is consistent."""
    data_dir = Path(data_dir)
    problems: list[str] = []
    try:
        territory = load_territory(territory_folder(data_dir))
        catalog = load_catalog(territory.roadmap_file)
    except ValidationError as exc:
        return [f"{exc.source} : {p}" for p in exc.problems]

    # Facts that cannot be read (unreadable file, missing column) stop the check before the store opens;
    # every other problem (folder names, checksums, UAIs) still lets it look for orphan facts, so that one
    # run lists everything to fix.
    unreadable = False
    root = data_dir / SNAPSHOTS
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if folder.name.startswith(".tmp-"):
                problems.append(f"{folder} : dossier temporaire laissé par une écriture interrompue (il peut être supprimé)")
                continue
            match = FOLDER_PATTERN.match(folder.name)
            if not match:
                problems.append(f"{folder} : nom de dossier invalide (attendu snapshot_date=AAAA-MM-JJ)")
                continue
            try:
                date.fromisoformat(match.group(1))
            except ValueError:
                problems.append(f"{folder} : « {match.group(1)} » n'est pas une date valide")
                continue
            found, readable = _check_snapshot(folder)
            problems += found
            unreadable = unreadable or not readable

    sites = data_dir / "reference" / "sites.parquet"
    if sites.exists():
        for uai in pq.read_table(sites, columns=["uai"]).column("uai").to_pylist():
            problem = uai_problem(uai)
            if problem:
                problems.append(f"{sites} : {problem}")
    if unreadable:
        return problems

    try:
        store = Store(data_dir, territory, catalog)
    except Exception as exc:  # noqa: BLE001 - reported in French instead of a traceback
        return problems + [f"{data_dir} : impossible d'ouvrir les instantanés et référentiels ({exc})"]
    try:
        for row in store.run("orphan_facts").itertuples():
            problems.append(
                f"instantané du {format_date_fr(row.snapshot_date)} : {PROBLEM_TEXT[row.problem]} — "
                f"indicateur « {row.indicator_id} », {LEVEL_TEXT.get(row.entity_level, row.entity_level)} "
                f"« {row.entity_id} »"
            )
    finally:
        store.close()
    return problems


def _check_snapshot(folder: Path) -> tuple[list[str], bool]:
    """Problems of one snapshot folder, and whether its facts can be read by the store."""
    problems = []
    facts = folder / "facts.parquet"
    if not facts.exists():
        return [f"{folder} : fichier facts.parquet manquant"], True  # the store skips such a folder
    try:
        schema = pq.read_schema(facts)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is reported the same way
        return [f"{facts} : fichier Parquet illisible ({exc})"], False
    for field in FACT_SCHEMA:
        if field.name not in schema.names:
            problems.append(f"{facts} : colonne « {field.name} » manquante")
    readable = not problems
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return problems + [f"{folder} : manifest.json manquant"], readable
    except json.JSONDecodeError as exc:
        return problems + [f"{folder}/manifest.json : JSON invalide ({exc})"], readable
    expected = manifest.get("files", {}).get("facts.parquet", {}).get("sha256")
    if expected and expected != sha256_file(facts):
        problems.append(f"{facts} : somme de contrôle différente de celle du manifeste (fichier modifié après l'import)")
    return problems, readable
