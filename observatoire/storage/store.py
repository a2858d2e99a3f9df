"""The store: DuckDB, in process, with views over the Parquet snapshots and the reference tables.

The Parquet files are the source of truth; this side is rebuilt from them on open. Each query runs on
its own cursor, since one DuckDB connection shared by Streamlit's threads gives wrong results.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from observatoire.access.perimeter import EVERYTHING, Perimeter
from observatoire.errors import AccessDenied
from observatoire.model.catalog import Catalog, load_catalog
from observatoire.model.dates import school_year
from observatoire.storage.sql import load_query, load_setup
from observatoire.settings import data_manifest, setting, territory_folder
from observatoire.storage.snapshots import fingerprint, list_snapshots
from observatoire.model.territory import Territory, load_territory

EMPTY_FACTS = (
    "select null::varchar as indicator_id, null::varchar as entity_level, null::varchar as entity_id, "
    "null::double as value, null::double as denominator, null::date as snapshot_date where false"
)
SITE_COLUMNS = (
    "uai varchar, name varchar, site_type varchar, degree integer, sector varchar, commune_code varchar, "
    "circonscription_code varchar, bassin_code varchar, isolation varchar, access varchar, village varchar, "
    "lat double, lon double, pupils integer, education_prioritaire varchar, is_open boolean, is_demo boolean"
)


def _literal(path: Path) -> str:
    """A path as a SQL string literal (read_parquet cannot take a bound parameter inside CREATE VIEW)."""
    return "'" + str(path).replace("'", "''") + "'"


class Store:
    """Views: facts, sites, communes, zones, circonscriptions, bassins, entities, indicators, snapshots."""

    def __init__(self, data_dir: Path, territory: Territory | None = None, catalog: Catalog | None = None):
        self.data_dir = Path(data_dir)
        self.manifest = data_manifest(self.data_dir)
        self.territory = territory or load_territory(territory_folder(self.data_dir))
        self.catalog = catalog or load_catalog(self.territory.roadmap_file)
        self.snapshot_infos = list_snapshots(self.data_dir)
        self.fingerprint = fingerprint(self.data_dir)
        self.con = duckdb.connect(":memory:", config={
            "threads": 2, "memory_limit": setting("store_memory_limit"),
            "temp_directory": str(Path(tempfile.gettempdir()) / "observatoire-duckdb")})
        self._create_views()

    # The whole territory: a ScopedStore, a person's perimeter, says True (académie-wide targets do not apply).
    restricted = False

    @property
    def is_demo(self) -> bool:
        return bool(self.manifest.get("demo"))

    @property
    def snapshot_dates(self) -> list[date]:
        return [s.snapshot_date for s in self.snapshot_infos]

    def _create_views(self) -> None:
        # Parquet footers read once per store, not on every query (the files of a store never change: a new
        # snapshot changes the fingerprint, and components/session.py then opens a new store).
        self.con.execute("set parquet_metadata_cache = true")
        create_views(self.con, self.data_dir, self.territory, self.catalog, self.snapshot_infos)
        materialize(self.con, ["sites", "entities"])
        load_entity_facts(self.con, self.snapshot_infos)

    def run(self, name: str, perimeter: Perimeter | None = None, **params) -> pd.DataFrame:
        """Run the named query from queries/ with bound parameters, on a cursor of its own, inside `perimeter`
        (unrestricted when None: the command line and tests; pages go through `scoped`)."""
        query = load_query(name)
        bound = query.bind((perimeter or EVERYTHING).bind(name, query.params, params))
        cursor = self.con.cursor()
        try:
            frame = cursor.execute(query.sql, bound).df()
        finally:
            cursor.close()
        # DuckDB DATE columns arrive as pandas datetimes; pages compare them with datetime.date.
        for column in frame.columns:
            if column.endswith("date") and pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = frame[column].dt.date
        return frame

    def scoped(self, perimeter: Perimeter) -> "Store":
        """This store as one person sees it: every question answered inside `perimeter`."""
        return self if perimeter.is_everything else ScopedStore(self, perimeter)

    def close(self) -> None:
        self.con.close()


class ScopedStore:
    """A store seen through a perimeter: `run` binds it to every question, and the fingerprint names it, so that
    results cached per data state (components/session.py) are never shared between perimeters. The connection
    itself is not handed out: raw SQL (the console) is for unrestricted perimeters only."""

    restricted = True

    def __init__(self, store: Store, perimeter: Perimeter):
        self._store, self.perimeter = store, perimeter
        self.fingerprint = f"{store.fingerprint}|{perimeter.key()}"

    def run(self, name: str, **params) -> pd.DataFrame:
        return self._store.run(name, perimeter=self.perimeter, **params)

    def scoped(self, perimeter: Perimeter) -> "ScopedStore":
        return ScopedStore(self._store, perimeter)

    @property
    def con(self):
        raise AccessDenied("Accès refusé : la connexion directe aux données est réservée à la DRANE et aux "
                           "administrateurs.")

    def __getattr__(self, name: str):
        return getattr(self._store, name)


def create_views(con: duckdb.DuckDBPyConnection, data_dir: Path, territory: Territory, catalog: Catalog,
                 snapshot_infos: list) -> None:
    """Create the documented views and reference tables on `con` (the store's own, or a sandbox's)."""
    data_dir = Path(data_dir)
    zones = territory.zones if "academie" in territory.zones.columns else territory.zones.assign(academie=None)
    frames = {"_communes": territory.communes, "_zones": zones.astype({"academie": "string"}),
              "_circonscriptions": territory.circonscriptions, "_bassins": territory.bassins,
              "_indicators": catalog.to_frame(),
              "_academie": pd.DataFrame({"code": [territory.academie_code], "name": [territory.academie_name]})}
    for name, frame in frames.items():
        con.register(name, frame)
    con.execute(load_setup("create_reference_tables").sql)
    for name in frames:
        con.unregister(name)
    extra_circonscriptions = Path(data_dir) / "reference" / "circonscriptions.parquet"
    if extra_circonscriptions.exists():
        # Circonscriptions met in an imported annuaire but absent from the territory file (written by the
        # annuaire import): added, with the annuaire's name; the territory file wins on a shared code.
        con.execute(f"insert into circonscriptions select code, name, string_split(communes, ' '), false "
                    f"from read_parquet({_literal(extra_circonscriptions)}) "
                    f"where code not in (select code from circonscriptions)")
    sites = sites_file(data_dir)
    if sites.exists():
        con.execute(f"create view sites as select * from read_parquet({_literal(sites)})")
    else:
        con.execute(f"create table sites ({SITE_COLUMNS})")
    if snapshot_infos:
        # The listed files only: the current version of each snapshot (the archive is never read), and the
        # previous version while a replacement is half-done (see snapshots.py).
        files = "[" + ", ".join(_literal(s.path / "facts.parquet") for s in snapshot_infos) + "]"
        con.execute(f"create view facts as select * from read_parquet({files}, hive_partitioning = true)")
    else:
        con.execute(f"create view facts as {EMPTY_FACTS}")
    rows = [(s.snapshot_date, school_year(s.snapshot_date), s.rows, bool(s.manifest.get("demo")))
            for s in snapshot_infos]
    if rows:
        con.executemany("insert into snapshots values (?, ?, ?, ?)", rows)
    con.execute(load_setup("create_entities_view").sql)
    con.execute(load_setup("create_scope_macro").sql)


def materialize(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    """Replace small reference views by tables holding their rows, read once when the store opens.

    Every roll-up joins `entities` (sites with their commune, zone, circonscription and bassin): as a view it
    re-read sites.parquet and redid four joins on every query. Same names and columns, so queries and the SQL
    console see no difference. The store is rebuilt whenever the data directory changes.
    """
    kinds = dict(con.execute("select table_name, table_type from information_schema.tables "
                             "where table_schema = 'main'").fetchall())
    chosen = [n for n in names if kinds.get(n) == "VIEW"]
    for name in chosen:
        con.execute(f"create table _materialized_{name} as select * from {name}")
    for name in reversed(chosen):  # dependants first (entities reads sites)
        con.execute(f"drop view {name}")
    for name in chosen:
        con.execute(f"alter table _materialized_{name} rename to {name}")


def load_entity_facts(con: duckdb.DuckDBPyConnection, snapshot_infos: list) -> None:
    """Copy the facts into `entity_facts`, a compressed in-memory table keyed by integers: `indicator_key`
    (the indicator's display_order) and `entity_key` (added to `entities` here).

    Decoding the indicator and entity strings of every Parquet fact and hashing them on every query was most
    of a roll-up's time (national scale, 18 M facts: 1 s of a 1,3 s query). Loaded once per store, one
    snapshot at a time, each compressed as it lands (checkpoint), so loading never holds more than one
    snapshot uncompressed: 18 M facts take ~20 MB. `facts` (the Parquet view) is unchanged and stays the
    source of truth; the SQL console's sandbox has neither `entity_facts` nor `entity_key`.
    """
    con.execute(load_setup("create_entity_facts").sql)
    load = load_setup("load_entity_facts")
    for info in snapshot_infos:
        con.execute(load.sql, load.bind({"file": str(info.path / "facts.parquet"), "snapshot_date": info.snapshot_date}))
        con.execute("checkpoint compact")


def sites_file(data_dir: Path) -> Path:
    """The sites reference table inside a data directory."""
    return Path(data_dir) / "reference" / "sites.parquet"
