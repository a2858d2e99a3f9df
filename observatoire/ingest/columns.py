"""The column vocabulary of the import formats: names are matched after normalise_name(), through ALIASES."""

from __future__ import annotations

from observatoire.ingest.raw_table import RawTable


# canonical column -> accepted normalised names
ALIASES = {
    "uai": ["uai", "code_uai", "numero_uai", "uai_etablissement", "code_rne", "rne", "numero_ecole",
            "identifiant_de_l_etablissement", "identifiant_etablissement"],
    "code_commune": ["code_commune", "code_insee", "insee", "commune_code", "code_commune_insee"],
    "academie": ["academie", "code_academie", "academie_code"],
    "indicateur": ["indicateur", "indicator_id", "id_indicateur", "identifiant_indicateur", "code_indicateur"],
    "valeur": ["valeur", "value", "numerateur", "valeur_numerateur"],
    "denominateur": ["denominateur", "denominator", "valeur_denominateur"],
    "debutsemaine": ["debutsemaine", "debut_semaine", "semaine"],
}
ENTITY_COLUMNS = {"site": "uai", "commune": "code_commune", "academie": "academie"}
# Descriptive columns a wide file may carry; they are not indicators and are ignored.
DESCRIPTIVE = {"nom", "nom_etablissement", "etablissement", "libelle", "commune", "nom_commune", "type",
               "type_etablissement", "circonscription", "nom_circonscription", "remarque", "remarques",
               "commentaire", "commentaires", "observations", "secteur", "degre"}
DENOMINATOR_SUFFIX = "_denominateur"


def resolve(table: RawTable, canonical: str) -> int | None:
    """Index of the column that means `canonical` (through its aliases), or None."""
    return resolve_key(table.keys, canonical)


def resolve_key(keys: list[str], canonical: str) -> int | None:
    for alias in ALIASES.get(canonical, [canonical]):
        if alias in keys:
            return keys.index(alias)
    return None
