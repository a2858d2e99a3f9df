"""The global filters every page shares, and what each indicator can be broken down by."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from observatoire.model.catalog import Indicator

SITE_TYPE_LABELS = {"ecole": "École", "college": "Collège", "lycee": "Lycée"}
DEGREE_LABELS = {1: "1er degré", 2: "2nd degré"}
# Filter key (also the URL parameter) -> French label.
FILTER_LABELS = {
    "degree": "degré",
    "site_type": "type d'établissement",
    "isolation": "classe d'isolement",
    "zone": "zone",
    "commune": "commune",
    "circonscription": "circonscription",
    "bassin": "bassin",
    "academie": "académie",   # within a région académique of several académies (Lille, Amiens)
}
BREAKDOWNS = {
    "total": "Ensemble",
    "academie": "Académie",
    "isolation": "Classe d'isolement",
    "zone": "Zone",
    "circonscription": "Circonscription",
    "bassin": "Bassin",
    "commune": "Commune",
    "site_type": "Type d'établissement",
    "site": "Établissement",
}
# The échelons of pilotage, from the top: région (total) -> académie -> département / zone -> circonscription
# (1st degree) or bassin (2nd degree) -> école or établissement. A group of one échelon, picked, becomes the
# filter of the same name and the view goes one échelon down.
DRILL_DOWN = {
    "total": ("academie", "zone"),
    "academie": ("zone",),
    "zone": ("circonscription", "bassin"),
    "circonscription": ("commune",),
    "bassin": ("commune",),
}
# Which filters and breakdowns make sense at each level of measure.
LEVEL_FILTERS = {
    "site": set(FILTER_LABELS),
    "commune": {"isolation", "zone", "commune", "academie"},
    "academie": set(),
}
LEVEL_BREAKDOWNS = {
    "site": set(BREAKDOWNS),
    "commune": {"total", "academie", "isolation", "zone", "commune"},
    "academie": {"total"},
}


@dataclass(frozen=True)
class Filters:
    """Territorial scope of a view; None means no restriction."""

    degree: int | None = None
    site_type: str | None = None
    isolation: str | None = None
    zone: str | None = None
    commune: str | None = None
    circonscription: str | None = None
    bassin: str | None = None
    academie: str | None = None

    def active(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def params(self) -> dict[str, object]:
        """Bound parameters for the SQL filters of queries/indicator_values.sql."""
        return {**asdict(self), "uai": None}

    def describe(self, labels: dict[str, dict] | None = None, whole: str = "l'académie") -> str:
        """French description, e.g. 'commune : Saint-Quentin ; classe d'isolement : Rural'; `whole`: what
        the territory is called when nothing is filtered ([wording] whole of territory.toml)."""
        labels = labels or {}
        active = self.active()
        if not active:
            return f"toute {whole}"
        parts = []
        for key, value in active.items():
            shown = labels.get(key, {}).get(value, value)
            if key == "degree":
                shown = DEGREE_LABELS.get(value, value)
            elif key == "site_type":
                shown = SITE_TYPE_LABELS.get(value, value)
            parts.append(f"{FILTER_LABELS[key]} : {shown}")
        return " ; ".join(parts)

    @classmethod
    def from_mapping(cls, values: dict) -> "Filters":
        out = {}
        for f in fields(cls):
            value = values.get(f.name)
            if value in (None, "", "all"):
                continue
            out[f.name] = int(value) if f.name == "degree" else str(value)
        return cls(**out)


def scope_conflict(indicator: Indicator, filters: Filters) -> str | None:
    """Why the indicator does not apply to the filtered sites at all (e.g. a collège indicator in a circonscription)."""
    if indicator.level != "site" or indicator.scope == "all":
        return None
    second = indicator.scope == "2d"
    if second and (filters.degree == 1 or filters.site_type == "ecole" or filters.circonscription):
        return "Sans objet : cet indicateur concerne les collèges et lycées, pas les écoles d'une circonscription."
    if not second and (filters.degree == 2 or filters.site_type in ("college", "lycee") or filters.bassin):
        return "Sans objet : cet indicateur concerne les écoles (1er degré), pas le 2nd degré."
    return None


def not_broken_down(indicator: Indicator, filters: Filters) -> str | None:
    """French reason why this indicator cannot be shown under these filters, or None when it can."""
    blocked = [k for k in filters.active() if k not in LEVEL_FILTERS[indicator.level]]
    if blocked:
        what = ", ".join(FILTER_LABELS[k] for k in blocked)
        where = "pour l'ensemble de l'académie" if indicator.level == "academie" else "par commune"
        return f"Non ventilé : cet indicateur est mesuré {where} seulement, pas par {what}."
    return scope_conflict(indicator, filters)


def drill_down(breakdown: str, options: list[str]) -> str | None:
    """The breakdown one échelon below `breakdown` among `options`, None at the bottom of the path."""
    return next((b for b in DRILL_DOWN.get(breakdown, ()) if b in options), None)


def breakdowns_for(indicator: Indicator) -> list[str]:
    """Breakdowns that respect the indicator's level and scope, in display order."""
    allowed = LEVEL_BREAKDOWNS[indicator.level]
    out = [b for b in BREAKDOWNS if b in allowed]
    if indicator.scope == "2d":
        out = [b for b in out if b != "circonscription"]
    if indicator.scope == "1d":
        out = [b for b in out if b != "bassin"]
    return out
