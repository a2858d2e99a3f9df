"""The roadmap as data: axes -> operational objectives -> indicators, loaded from a TOML file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

import pandas as pd

from observatoire.errors import ValidationError

UNITS = {"count": "nombre", "rate": "taux", "amount": "montant", "score": "score", "deliverable": "livrable"}
LEVELS = {"site": "établissement", "commune": "commune", "academie": "académie"}
ROLLUPS = {
    "sum": "somme",
    "ratio": "ratio des sommes",
    "weighted_mean": "moyenne pondérée",
    "latest": "dernière valeur connue",
}
# How an indicator lives over time (DESIGN.md, "Time"): what carries forward, what resets at the rentrée.
TEMPORALITIES = {
    "state": "état à la date",
    "cumulative": "cumul depuis la rentrée",
    "activity": "activité sur une période",
    "deliverable": "livrable de l'année scolaire",
}
# One sentence per temporality for the "how it is computed" detail (cards and catalogue page).
TEMPORALITY_RULES = {
    "state": "la dernière valeur transmise par chaque entité reste valable jusqu'à la fin de l'année scolaire "
             "(reportée tant qu'aucune nouvelle valeur n'arrive)",
    "cumulative": "cumul depuis la rentrée : la dernière valeur de chaque entité est reportée dans l'année "
                  "scolaire, le total repart de zéro à la rentrée et ne baisse pas quand une entité ne répond pas",
    "activity": "activité sur une période (30 jours, mois) : seules les valeurs de l'instantané comptent, "
                "sans report ; comparée au même mois de l'année précédente et au premier mois de l'année "
                "scolaire ; les mois de vacances ne donnent pas d'état d'avancement",
    "deliverable": "livrable valable pour l'année scolaire où il a été transmis, remis à zéro à la rentrée",
}
ROLLUP_RULES = {
    "sum": "somme des valeurs des entités",
    "ratio": "somme des numérateurs divisée par la somme des dénominateurs (jamais une moyenne de taux)",
    "weighted_mean": "moyenne des valeurs pondérée par les effectifs",
    "latest": "dernière valeur connue dans l'année scolaire, additionnée",
}
DIRECTIONS = {"up": "plus c'est haut, mieux c'est", "down": "plus c'est bas, mieux c'est"}
SCOPES = {"all": "tous les établissements", "1d": "écoles (1er degré)", "2d": "collèges et lycées (2nd degré)"}
# The roll-up a unit allows; a rate is always a ratio of sums, never a mean of rates.
UNIT_ROLLUPS = {
    "count": {"sum"},
    "amount": {"sum"},
    "rate": {"ratio"},
    "score": {"weighted_mean"},
    "deliverable": {"latest"},
}
# Open-data exports an import can read, and what each feeds (see observatoire/ingest/parsers/).
EXPORTS = {
    "ent_utilisateurs": "ENT : utilisateurs de la semaine la plus fréquentée du mois (utilisateurs_globales)",
    "ent_visites": "ENT : visites cumulées depuis la rentrée (visites_globales)",
    "pix_certifies": "Pix : élèves certifiés (certifies)",
}
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
SCHOOL_YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{4})$")


@dataclass(frozen=True)
class Axis:
    id: str
    number: int
    title: str
    short_title: str


@dataclass(frozen=True)
class Objective:
    id: str
    axis: str
    title: str


@dataclass(frozen=True)
class Indicator:
    id: str
    objective: str
    roadmap_line: str
    label: str
    definition: str
    unit: str
    level: str
    rollup: str
    temporality: str
    source: str
    direction: str
    scope: str = "all"
    denominator_label: str = ""
    value_label: str = ""
    note: str = ""
    targets_illustrative: bool = True
    headline: bool = False      # shown on the home page
    # Not an evaluation line of the roadmap: proposed from what it names (its note says why).
    proposed: bool = False
    targets: dict[str, float] = field(default_factory=dict)
    axis: str = ""

    def target(self, school_year: str) -> float | None:
        return self.targets.get(school_year)

    @property
    def wording(self) -> str:
        """Where the indicator comes from, as every screen words it."""
        if self.proposed:
            return f"Indicateur proposé — la feuille de route nomme : « {self.roadmap_line} »"
        return f"Feuille de route : « {self.roadmap_line} »"

    @property
    def origin(self) -> str:
        """Short form of `wording` for a table column or a slide."""
        return "Indicateur proposé" if self.proposed else "Feuille de route"

    @property
    def carries_forward(self) -> bool:
        """Whether an entity's last report of the school year stands in for a missing one."""
        return self.temporality != "activity"

    def how_computed(self) -> str:
        """The "how it is computed" text: roll-up rule, temporality, source and the roadmap's note."""
        parts = [f"Agrégation : {ROLLUP_RULES[self.rollup]}.",
                 f"Temporalité : {TEMPORALITY_RULES[self.temporality]}.",
                 f"Source : {self.source}."]
        if self.note:
            parts.append(f"Note : {self.note}")
        return " ".join(parts)


@dataclass(frozen=True)
class Catalog:
    id: str
    title: str
    academie: str
    period: str
    source: str
    axes: tuple[Axis, ...]
    objectives: tuple[Objective, ...]
    indicators: tuple[Indicator, ...]
    # Services whose reach the map measures ([[services]]: id, label, indicator, covered_when, threshold).
    services: tuple[dict, ...] = ()
    # Open-data exports -> indicator they feed ([exports]: ent_utilisateurs, ent_visites, pix_certifies).
    exports: dict = field(default_factory=dict)

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def objectives_of(self, axis_id: str) -> list[Objective]:
        return [o for o in self.objectives if o.axis == axis_id]

    def indicators_of(self, objective_id: str) -> list[Indicator]:
        return [i for i in self.indicators if i.objective == objective_id]

    def indicators_of_axis(self, axis_id: str) -> list[Indicator]:
        return [i for i in self.indicators if i.axis == axis_id]

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator, with its axis and objective titles (the `indicators` view)."""
        axes = {a.id: a for a in self.axes}
        objectives = {o.id: o for o in self.objectives}
        rows = []
        for order, ind in enumerate(self.indicators):
            row = {f.name: getattr(ind, f.name) for f in fields(ind) if f.name != "targets"}
            row["indicator_id"] = row.pop("id")
            row["axis_id"] = row.pop("axis")
            row["objective_id"] = row.pop("objective")
            row["axis_title"] = axes[ind.axis].title
            row["objective_title"] = objectives[ind.objective].title
            row["display_order"] = order
            for year, value in ind.targets.items():
                row[f"target_{year.replace('-', '_')}"] = value
            rows.append(row)
        return pd.DataFrame(rows)


def load_catalog(path: Path) -> Catalog:
    """Read and validate a roadmap file; raise ValidationError listing every problem in French."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(str(path), ["fichier introuvable"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(str(path), [f"syntaxe TOML invalide ({exc})"]) from None
    return parse_catalog(raw, source=str(path))


def parse_catalog(raw: dict, source: str = "feuille de route") -> Catalog:
    problems: list[str] = []
    meta = raw.get("roadmap", {})
    for key in ("id", "title"):
        if not meta.get(key):
            problems.append(f"[roadmap] : le champ « {key} » manque")

    axes = []
    for n, item in enumerate(raw.get("axes", []), start=1):
        missing = [k for k in ("id", "number", "title", "short_title") if k not in item]
        if missing:
            problems.append(f"axe n°{n} : champ(s) manquant(s) {', '.join(missing)}")
            continue
        axes.append(Axis(item["id"], int(item["number"]), item["title"], item["short_title"]))
    if not axes:
        problems.append("aucun axe n'est déclaré ([[axes]])")
    axis_ids = [a.id for a in axes]
    _duplicates(axis_ids, "axe", problems)

    objectives = []
    for n, item in enumerate(raw.get("objectives", []), start=1):
        missing = [k for k in ("id", "axis", "title") if k not in item]
        if missing:
            problems.append(f"objectif n°{n} : champ(s) manquant(s) {', '.join(missing)}")
            continue
        if item["axis"] not in axis_ids:
            problems.append(f"objectif « {item['id']} » : axe inconnu « {item['axis']} »")
        objectives.append(Objective(item["id"], item["axis"], item["title"]))
    objective_axis = {o.id: o.axis for o in objectives}
    _duplicates([o.id for o in objectives], "objectif", problems)

    indicators = []
    known = {f.name for f in fields(Indicator)}
    required = ["id", "objective", "roadmap_line", "label", "definition", "unit", "level",
                "rollup", "temporality", "source", "direction"]
    for n, item in enumerate(raw.get("indicators", []), start=1):
        name = item.get("id", f"n°{n}")
        where = f"indicateur « {name} »"
        missing = [k for k in required if not item.get(k)]
        if missing:
            problems.append(f"{where} : champ(s) manquant(s) {', '.join(missing)}")
            continue
        unknown = set(item) - known - {"axis"}
        if unknown:
            problems.append(f"{where} : champ(s) inconnu(s) {', '.join(sorted(unknown))}")
        if not ID_PATTERN.match(item["id"]):
            problems.append(f"{where} : identifiant invalide (minuscules, chiffres et _ ; 40 caractères au plus)")
        _choice(item, "unit", UNITS, where, problems)
        _choice(item, "level", LEVELS, where, problems)
        _choice(item, "rollup", ROLLUPS, where, problems)
        _choice(item, "temporality", TEMPORALITIES, where, problems)
        _choice(item, "direction", DIRECTIONS, where, problems)
        _choice(item, "scope", SCOPES, where, problems, default="all")
        if item["objective"] not in objective_axis:
            problems.append(f"{where} : objectif inconnu « {item['objective']} »")
        allowed = UNIT_ROLLUPS.get(item["unit"])
        if allowed and item["rollup"] not in allowed:
            problems.append(
                f"{where} : l'unité « {item['unit']} » demande la règle d'agrégation "
                f"« {' ou '.join(sorted(allowed))} », pas « {item['rollup']} »"
            )
        if item.get("proposed") and not item.get("note"):
            problems.append(f"{where} : un indicateur proposé doit dire pourquoi dans sa note (note)")
        if (item["unit"] == "deliverable") != (item["temporality"] == "deliverable"):
            problems.append(f"{where} : un livrable (unité « deliverable ») a la temporalité « deliverable », "
                            "et elle seule")
        if item["rollup"] in ("ratio", "weighted_mean") and not item.get("denominator_label"):
            problems.append(f"{where} : un taux ou une moyenne pondérée doit dire ce que compte son dénominateur (denominator_label)")
        targets = item.get("targets", {})
        for year, value in targets.items():
            if not SCHOOL_YEAR_PATTERN.match(year) or int(year[5:]) != int(year[:4]) + 1:
                problems.append(f"{where} : année scolaire de cible invalide « {year} » (attendu : 2024-2025)")
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                problems.append(f"{where} : la cible {year} n'est pas un nombre")
            elif item["unit"] == "rate" and not 0 <= value <= 1:
                problems.append(f"{where} : la cible {year} d'un taux s'écrit entre 0 et 1 (0,6 pour 60 %), trouvé {value}")
        values = {k: v for k, v in item.items() if k in known}
        values["targets"] = {k: float(v) for k, v in targets.items() if isinstance(v, (int, float))}
        values["axis"] = objective_axis.get(item["objective"], "")
        indicators.append(Indicator(**values))
    if not indicators:
        problems.append("aucun indicateur n'est déclaré ([[indicators]])")
    _duplicates([i.id for i in indicators], "indicateur", problems)

    by_id = {i.id: i for i in indicators}
    services = []
    for n, item in enumerate(raw.get("services", []), start=1):
        missing = [k for k in ("id", "label", "indicator", "covered_when") if not item.get(k)]
        if missing:
            problems.append(f"service n°{n} : champ(s) manquant(s) {', '.join(missing)}")
            continue
        if item["indicator"] not in by_id or by_id[item["indicator"]].level != "site":
            problems.append(f"service « {item['id']} » : « {item['indicator']} » n'est pas un indicateur mesuré par établissement")
        services.append({"id": item["id"], "label": item["label"], "indicator": item["indicator"],
                         "covered_when": item["covered_when"], "threshold": float(item.get("threshold", 0.0))})
    _duplicates([s["id"] for s in services], "service", problems)
    exports = dict(raw.get("exports", {}))
    for key, ind_id in exports.items():
        if key not in EXPORTS:
            problems.append(f"[exports] : export « {key} » inconnu ({', '.join(EXPORTS)})")
        elif ind_id not in by_id or by_id[ind_id].level != "site":
            problems.append(f"[exports] : « {ind_id} » ({key}) n'est pas un indicateur mesuré par établissement")

    if problems:
        raise ValidationError(source, problems)
    return Catalog(
        id=meta["id"], title=meta["title"], academie=meta.get("academie", ""),
        period=meta.get("period", ""), source=meta.get("source", ""),
        axes=tuple(sorted(axes, key=lambda a: a.number)), objectives=tuple(objectives),
        indicators=tuple(indicators), services=tuple(services), exports=exports,
    )


def _choice(item: dict, key: str, allowed: dict, where: str, problems: list[str], default=None) -> None:
    value = item.get(key, default)
    if value not in allowed:
        problems.append(f"{where} : {key} « {value} » inconnu (valeurs possibles : {', '.join(allowed)})")


def _duplicates(ids: list[str], kind: str, problems: list[str]) -> None:
    seen = set()
    for i in ids:
        if i in seen:
            problems.append(f"{kind} « {i} » déclaré deux fois")
        seen.add(i)
