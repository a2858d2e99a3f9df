"""The SQL console's engine: one read-only SELECT on the documented views, on a DuckDB connection of its own.

Each query gets a fresh in-memory connection, so nothing one user runs can change what another sees.
The connection is locked down in the only order that works (see the facts note): allowed paths ->
views -> no external access -> configuration locked. Extensions never load, nothing spills to disk,
a timer interrupts a query that runs too long, and the result is cut at a row limit. The statement
is parsed by DuckDB first: exactly one, and a SELECT (WITH, FROM, VALUES, DESCRIBE, SUMMARIZE, SHOW).
Every refusal is a SqlRefused whose message is a short French reason.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from .errors import ObservatoireError
from .formats import format_number
from .settings import setting
from .snapshots import SNAPSHOTS
from .store import Store, create_views, sites_file

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
# EXPLAIN is left out: EXPLAIN ANALYZE runs the statement it explains, whatever its type.
ALLOWED_TYPES = {duckdb.StatementType.SELECT}
# Why a statement type is refused, in French.
REFUSALS = {
    "COPY": "COPY est interdit : la console n'écrit ni ne lit aucun fichier.",
    "COPY_DATABASE": "COPY DATABASE est interdit : la console n'écrit aucun fichier.",
    "EXPORT": "EXPORT DATABASE est interdit : la console n'écrit aucun fichier.",
    "ATTACH": "ATTACH est interdit : seules les vues documentées sont accessibles.",
    "DETACH": "DETACH est interdit : la console est en lecture seule.",
    "LOAD": "INSTALL et LOAD sont interdits : aucune extension n'est chargée.",
    "EXTENSION": "Les extensions sont interdites.",
    "SET": "SET, RESET et USE sont interdits : la configuration est verrouillée.",
    "VARIABLE_SET": "SET VARIABLE est interdit : la configuration est verrouillée.",
    "PRAGMA": "PRAGMA (et IMPORT DATABASE) sont interdits : la configuration est verrouillée.",
    "CALL": "CALL est interdit : écrivez SELECT * FROM fonction(…) pour une fonction de table.",
    "CREATE": "CREATE est interdit : la console est en lecture seule (utilisez WITH … pour nommer un calcul).",
    "CREATE_FUNC": "CREATE MACRO/FUNCTION est interdit : la console est en lecture seule.",
    "DROP": "DROP est interdit : la console est en lecture seule.",
    "ALTER": "ALTER et COMMENT sont interdits : la console est en lecture seule.",
    "INSERT": "INSERT est interdit : la console est en lecture seule.",
    "UPDATE": "UPDATE est interdit : la console est en lecture seule.",
    "DELETE": "DELETE est interdit : la console est en lecture seule.",
    "MERGE_INTO": "MERGE est interdit : la console est en lecture seule.",
    "TRANSACTION": "BEGIN, COMMIT et ROLLBACK sont inutiles ici : chaque requête est isolée.",
    "PREPARE": "PREPARE et EXECUTE sont interdits : écrivez la requête en entier.",
    "EXECUTE": "PREPARE et EXECUTE sont interdits : écrivez la requête en entier.",
    "VACUUM": "VACUUM est interdit : la console est en lecture seule.",
    "ANALYZE": "ANALYZE est interdit : la console est en lecture seule.",
    "EXPLAIN": "EXPLAIN n'est pas disponible dans la console.",
    "MULTI": "Cette instruction (PIVOT …) n'est pas prise en charge : écrivez-la avec GROUP BY.",
}


class SqlRefused(ObservatoireError):
    """A statement the console will not run, or that failed; the message is a short French reason."""


@dataclass(frozen=True)
class SqlResult:
    frame: pd.DataFrame
    truncated: bool
    max_rows: int
    elapsed_s: float

    def summary(self) -> str:
        rows = len(self.frame)
        text = f"{format_number(rows)} ligne{'s' if rows > 1 else ''} en {format_number(self.elapsed_s, 2)} s"
        if self.truncated:
            text += f" — résultat tronqué aux {format_number(self.max_rows)} premières lignes"
        return text


def limits() -> tuple[float, int]:
    """(time limit in seconds, row limit) from the settings."""
    return float(setting("sql_timeout_s")), int(setting("sql_max_rows"))


def check_statement(sql: str) -> str:
    """The single statement to run, or SqlRefused with the French reason (parsed by DuckDB, nothing run)."""
    if not sql or not sql.strip():
        raise SqlRefused("Requête vide : écrivez une instruction SELECT.")
    parser = duckdb.connect(":memory:", config=_base_config("16MB"))
    try:
        statements = parser.extract_statements(sql)
    except duckdb.Error as exc:
        raise SqlRefused(f"Erreur de syntaxe : {_first_line(exc)}") from None
    finally:
        parser.close()
    if not statements:
        raise SqlRefused("Requête vide : écrivez une instruction SELECT.")
    if len(statements) > 1:
        raise SqlRefused(f"Une seule instruction à la fois : {len(statements)} trouvées (séparées par « ; »).")
    statement = statements[0]
    if statement.type not in ALLOWED_TYPES:
        name = statement.type.name
        raise SqlRefused(REFUSALS.get(name, f"Instruction {name} interdite : seules les lectures (SELECT) sont permises."))
    return statement.query


def run_sql(store: Store, sql: str, timeout_s: float | None = None, max_rows: int | None = None) -> SqlResult:
    """Run one read-only statement on a locked connection of its own; SqlRefused says why not."""
    default_timeout, default_rows = limits()
    timeout_s = default_timeout if timeout_s is None else timeout_s
    max_rows = default_rows if max_rows is None else max_rows
    text = check_statement(sql)
    started = time.perf_counter()
    con = sandbox_connection(store)
    timer = threading.Timer(timeout_s, con.interrupt)
    timer.start()
    try:
        cursor = con.execute(text)
        names = [column[0] for column in cursor.description or []]
        rows = cursor.fetchmany(max_rows + 1)  # the result streams: one row more than the limit tells a cut
        frame = pd.DataFrame.from_records(rows[:max_rows], columns=names) if names else pd.DataFrame()
        frame = frame.infer_objects()
    except duckdb.InterruptException:
        raise SqlRefused(f"Temps limite dépassé : requête arrêtée après {timeout_s:g} s.") from None
    except duckdb.Error as exc:
        raise SqlRefused(_reason(exc)) from None
    finally:
        timer.cancel()
        con.close()
    return SqlResult(frame, len(rows) > max_rows, max_rows, time.perf_counter() - started)


def sandbox_connection(store: Store) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory connection with the documented views, then locked (order matters)."""
    con = duckdb.connect(":memory:", config=_base_config(setting("sql_memory_limit")))
    try:
        data_dir = Path(store.data_dir).resolve()
        # Only the snapshot folder and the sites file, not the rest of the data directory (manifests…).
        con.execute("set allowed_directories = ?", [[str(data_dir / SNAPSHOTS) + "/"]])
        con.execute("set allowed_paths = ?", [[str(sites_file(data_dir))]])
        create_views(con, data_dir, store.territory, store.catalog, store.snapshot_infos)
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


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


def _base_config(memory_limit: str) -> dict:
    return {
        "threads": 2,
        "memory_limit": memory_limit,
        "temp_directory": "",  # nothing spills to disk
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
    }


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _reason(exc: duckdb.Error) -> str:
    message = _first_line(exc)
    if isinstance(exc, duckdb.PermissionException):
        return "Accès refusé : la console ne lit que les vues documentées (aucun fichier, aucun réseau)."
    if isinstance(exc, duckdb.ParserException):
        return f"Erreur de syntaxe : {message}"
    if isinstance(exc, duckdb.CatalogException):
        return f"Nom inconnu (vue, colonne ou fonction) : {message}"
    if isinstance(exc, duckdb.BinderException):
        return f"Requête invalide : {message}"
    if isinstance(exc, duckdb.OutOfMemoryException):
        return "Mémoire dépassée : restreignez la requête (filtres, agrégats, LIMIT)."
    if isinstance(exc, duckdb.InvalidInputException) and "lock" in message.lower():
        return "La configuration est verrouillée."
    return f"Erreur d'exécution : {message}"
