"""Which import format a header belongs to, from its normalised column names."""

from __future__ import annotations

from observatoire.model.catalog import Catalog
from observatoire.ingest.columns import DENOMINATOR_SUFFIX, ENTITY_COLUMNS, resolve_key
from observatoire.ingest.raw_table import RawTable


def detect_format(table: RawTable, catalog: Catalog) -> str | None:
    return detect_keys(table.keys, catalog)


def recogniser(catalog: Catalog):
    """For the reader: is this row (normalised names) a header of a known format? Finds it below title rows."""
    return lambda keys: len(keys) >= 2 and detect_keys(keys, catalog) is not None


def detect_keys(keys_list: list[str], catalog: Catalog) -> str | None:
    keys = set(keys_list)
    if "identifiant_de_l_etablissement" in keys and ({"nom_etablissement", "type_etablissement"} & keys):
        return "annuaire"
    if ({"debutsemaine", "debut_semaine"} & keys) and any(k.startswith(("visites_", "utilisateurs_")) for k in keys):
        return "ent"
    if "certifies" in keys and resolve_key(keys_list, "uai") is not None:
        return "pix"
    if resolve_key(keys_list, "indicateur") is not None and resolve_key(keys_list, "valeur") is not None:
        return "long"
    ids = set(catalog.ids)
    if any(resolve_key(keys_list, c) is not None for c in ENTITY_COLUMNS.values()) and \
            any(k in ids or k.removesuffix(DENOMINATOR_SUFFIX) in ids for k in keys):
        return "wide"
    return None
