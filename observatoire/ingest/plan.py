"""What an import would do (ImportPlan), what it did (ImportResult), and a wrong call (UsageProblem)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from observatoire.model.dates import format_date_fr
from observatoire.errors import ObservatoireError
from observatoire.ingest import vector
from observatoire.ingest.problems import Problem


FACT_KEY = ["indicator_id", "entity_level", "entity_id"]


SNAPSHOT_SOURCE = "date de l'instantané"


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


@dataclass(frozen=True)
class ImportResult:
    status: str  # imported | unchanged
    message: str
    snapshot_path: Path | None = None
