"""A perimeter: what part of the territory a person may see, carried with every question the store answers.

The territorial part (circonscriptions, UAI, départements) is intersected into `scoped_entities(...)`
(queries/setup/create_scope_macro.sql) through bound parameters; `aggregates_only` (the lecteur) refuses the
questions that answer per school. A question that takes no perimeter is answered only for an unrestricted
perimeter, unless it is listed in PERIMETER_FREE (answers about indicators and snapshots, never per entity).
"""

from __future__ import annotations

from dataclasses import dataclass

from observatoire.errors import AccessDenied

# Bound parameters a question takes to obey the perimeter (all three, passed on to scoped_entities).
PERIMETER_PARAMS = ("perimeter_circonscriptions", "perimeter_uais", "perimeter_departements")
# Questions about the roadmap and the snapshots as a whole: nothing per entity, answered for everyone.
PERIMETER_FREE = frozenset({"catalog_status", "snapshot_list", "quality_stale_indicators"})
# Questions whose rows are schools: refused to an aggregates-only perimeter.
PER_SITE = frozenset({"site_directory", "sites_in_scope", "site_points", "quality_missing_sites", "quality_outliers",
                      "orphan_facts"})
AGGREGATES_ONLY_REFUSAL = ("Accès refusé : votre profil (lecteur) donne accès aux chiffres agrégés de l'académie "
                           "seulement, pas aux chiffres par établissement. Demandez un profil plus large à "
                           "l'administrateur de l'observatoire si vous en avez besoin.")


def _codes(values) -> tuple[str, ...] | None:
    return None if values is None else tuple(sorted({str(v).strip() for v in values if str(v).strip()}))


@dataclass(frozen=True)
class Perimeter:
    """None: no restriction on that attribute; several restrictions intersect."""

    circonscriptions: tuple[str, ...] | None = None
    uais: tuple[str, ...] | None = None
    departements: tuple[str, ...] | None = None
    aggregates_only: bool = False

    @classmethod
    def of(cls, circonscriptions=None, uais=None, departements=None, aggregates_only: bool = False) -> "Perimeter":
        return cls(_codes(circonscriptions), _codes([u.upper() for u in uais]) if uais is not None else None,
                   _codes(departements), bool(aggregates_only))

    @property
    def is_everything(self) -> bool:
        return self == Perimeter()

    @property
    def is_territorial(self) -> bool:
        """Restricted to part of the territory (not only to aggregates)."""
        return any(v is not None for v in (self.circonscriptions, self.uais, self.departements))

    def key(self) -> str:
        """A short text naming the perimeter, for cache keys."""
        if self.is_everything:
            return "*"
        parts = [f"{n}={','.join(v)}" for n, v in (("c", self.circonscriptions), ("u", self.uais),
                                                   ("d", self.departements)) if v is not None]
        return ";".join(parts + (["agg"] if self.aggregates_only else []))

    def describe(self, labels: dict[str, dict] | None = None, whole: str = "l'académie") -> str:
        """French, for headers and decks: what "everything" means for this person (`whole` when unrestricted),
        written to follow "toute" as Filters.describe does."""
        names = (labels or {}).get("circonscription", {})
        parts = [text for text, values in (
            ("circonscription(s) " + ", ".join(names.get(c, c) for c in self.circonscriptions or ()), self.circonscriptions),
            ("établissement(s) " + ", ".join(self.uais or ()), self.uais),
            ("département(s) " + ", ".join(self.departements or ()), self.departements)) if values is not None]
        return "l'étendue de votre périmètre (" + " et ".join(parts) + ")" if parts else whole

    def params(self) -> dict[str, list[str] | None]:
        """The bound parameters of a question that takes the perimeter."""
        values = (self.circonscriptions, self.uais, self.departements)
        return {name: None if v is None else list(v) for name, v in zip(PERIMETER_PARAMS, values)}

    def bind(self, name: str, query_params: frozenset[str], params: dict) -> dict:
        """`params` with the perimeter added, or AccessDenied when this perimeter may not ask this question."""
        if set(PERIMETER_PARAMS) & params.keys():
            raise AccessDenied("Le périmètre d'une question est fixé par l'accès de la personne, pas par ses paramètres.")
        if self.aggregates_only and (name in PER_SITE or params.get("breakdown") == "site" or params.get("uai")):
            raise AccessDenied(AGGREGATES_ONLY_REFUSAL)
        takes = set(PERIMETER_PARAMS) <= query_params
        if takes:
            return {**params, **self.params()}
        if self.is_everything or name in PERIMETER_FREE:
            return params
        raise AccessDenied(f"Accès refusé : la question « {name} » ne sait pas se limiter à votre périmètre ; "
                           "elle est réservée à la DRANE et aux administrateurs.")


EVERYTHING = Perimeter()
