"""Consistency check of a data directory: roadmap, territory, reference tables and every snapshot."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

from .catalog import load_catalog
from .errors import ValidationError
from .settings import territory_folder
from .snapshots import FACT_SCHEMA, FOLDER_PATTERN, SNAPSHOTS, sha256_file
from .store import Store
from .territory import load_territory
from .uai import uai_problem

PROBLEM_TEXT = {
    "unknown_indicator": "indicateur inconnu de la feuille de route",
    "unknown_entity": "entité inconnue (UAI, commune ou académie absent des référentiels)",
    "wrong_level": "indicateur déclaré à un autre niveau de mesure",
}


def check_data_dir(data_dir: Path) -> list[str]:
    """Every problem found, in French; an empty list means the directory is consistent."""
    data_dir = Path(data_dir)
    problems: list[str] = []
    try:
        territory = load_territory(territory_folder(data_dir))
        catalog = load_catalog(territory.roadmap_file)
    except ValidationError as exc:
        return [f"{exc.source} : {p}" for p in exc.problems]

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
            problems += _check_snapshot(folder)

    sites = data_dir / "reference" / "sites.parquet"
    if sites.exists():
        for uai in pq.read_table(sites, columns=["uai"]).column("uai").to_pylist():
            problem = uai_problem(uai)
            if problem:
                problems.append(f"{sites} : {problem}")
    if problems:
        return problems

    store = Store(data_dir, territory, catalog)
    try:
        for row in store.run("orphan_facts").itertuples():
            problems.append(
                f"instantané du {row.snapshot_date} : {PROBLEM_TEXT[row.problem]} — "
                f"indicateur « {row.indicator_id} », {row.entity_level} « {row.entity_id} »"
            )
    finally:
        store.close()
    return problems


def _check_snapshot(folder: Path) -> list[str]:
    problems = []
    facts = folder / "facts.parquet"
    if not facts.exists():
        return [f"{folder} : fichier facts.parquet manquant"]
    try:
        schema = pq.read_schema(facts)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is reported the same way
        return [f"{facts} : fichier Parquet illisible ({exc})"]
    for field in FACT_SCHEMA:
        if field.name not in schema.names:
            problems.append(f"{facts} : colonne « {field.name} » manquante")
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return problems + [f"{folder} : manifest.json manquant"]
    except json.JSONDecodeError as exc:
        return problems + [f"{folder}/manifest.json : JSON invalide ({exc})"]
    expected = manifest.get("files", {}).get("facts.parquet", {}).get("sha256")
    if expected and expected != sha256_file(facts):
        problems.append(f"{facts} : somme de contrôle différente de celle du manifeste (fichier modifié après l'import)")
    return problems
