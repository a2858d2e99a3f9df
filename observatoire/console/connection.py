"""The console's DuckDB connection: in memory, the documented views, then locked down in the only order that works.

The view files as the only allowed paths -> views -> no external access -> configuration locked. Extensions
never load and nothing spills to disk.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb

from observatoire.settings import setting
from observatoire.storage.store import Store, create_views, sites_file


def base_config(memory_limit: str) -> dict:
    """DuckDB settings of every console connection, the statement parser's included."""
    return {
        "threads": 1,  # one core per query at most (two queries at once on a two-core server)
        "memory_limit": memory_limit,
        "temp_directory": "",  # nothing spills to disk
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "python_enable_replacements": False,  # no reading a Python variable by its name
    }


def sandbox_connection(store: Store) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory connection with the documented views, then locked (order matters)."""
    return locked_connection(store.data_dir, store.territory, store.catalog, store.snapshot_infos,
                             setting("sql_memory_limit"))


def locked_connection(data_dir: Path, territory, catalog, snapshot_infos: list,
                      memory_limit: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:", config=base_config(memory_limit))
    try:
        data_dir = Path(data_dir).resolve()
        infos = [replace(s, path=Path(s.path).resolve()) for s in snapshot_infos]
        # The files the views read and nothing else: not the folders (manifests, half-written imports).
        files = [str(s.path / "facts.parquet") for s in infos] + [str(sites_file(data_dir))]
        con.execute("set enable_progress_bar = false")  # no bar drawn on the server's terminal
        con.execute("set allowed_directories = []")
        con.execute("set allowed_paths = ?", [files])
        create_views(con, data_dir, territory, catalog, infos)
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con
