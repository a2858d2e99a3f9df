"""The views the console documents, and their columns for the schema browser."""

from __future__ import annotations

import pandas as pd

from observatoire.console.connection import sandbox_connection
from observatoire.storage.store import Store

# The views the console documents (the schema browser lists them, in this order).
DOCUMENTED_VIEWS = {
    "facts": "Faits : une valeur d'un indicateur pour une entité (établissement, commune, académie) à un instantané.",
    "sites": "Établissements : UAI, nom, type, degré, commune, circonscription ou bassin, isolement, élèves.",
    "communes": "Communes : code INSEE, nom, population, classe d'isolement, accès, zone.",
    "circonscriptions": "Circonscriptions du 1er degré et leurs communes.",
    "bassins": "Bassins du 2nd degré et leurs communes.",
    "zones": "Zones du territoire.",
    "entities": "Entités (établissements, communes, académie) avec tous leurs attributs de filtre : à joindre aux faits.",
    "indicators": "Catalogue des indicateurs de la feuille de route (unité, niveau, règle d'agrégation…).",
    "snapshots": "Instantanés : date, année scolaire, nombre de faits.",
}


def schema(store: Store) -> pd.DataFrame:
    """Columns of the documented views: view, description, column, type (for the schema browser)."""
    con = sandbox_connection(store)
    try:
        frame = con.execute(
            "select table_name as view, column_name as column, data_type as type, ordinal_position "
            "from information_schema.columns where list_contains(?, table_name) order by table_name, ordinal_position",
            [list(DOCUMENTED_VIEWS)]).df()
    finally:
        con.close()
    frame["view"] = pd.Categorical(frame["view"], categories=list(DOCUMENTED_VIEWS), ordered=True)
    frame = frame.sort_values(["view", "ordinal_position"]).drop(columns="ordinal_position")
    frame["view"] = frame["view"].astype(str)
    return frame.reset_index(drop=True)
