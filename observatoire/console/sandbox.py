"""The SQL console's engine: one read-only SELECT on the documented views, in a process of its own.

Two layers. Before anything runs, the statement is parsed by DuckDB (nothing executed): exactly one, a
SELECT (WITH, FROM, VALUES, DESCRIBE, SUMMARIZE, SHOW), and its syntax tree may name only the documented
views (or its own WITH names), a few generating table functions (range, generate_series, unnest…) and no
function that reveals the configuration. Then it runs in a short-lived process forked from a forkserver,
on a fresh in-memory connection locked down in the only order that works (see the facts note): the view
files as the only allowed paths -> views -> no external access -> configuration locked. Extensions never
load and nothing spills to disk. The process has an address-space limit and a lowered priority, and is
killed at the time limit: a query DuckDB cannot interrupt (a huge string, a recursive CTE) or one that
would exhaust memory can neither stall nor starve the app server. At most MAX_PARALLEL queries run at
once. The result is cut at a row limit. Nothing one user runs can change what another sees.
Every refusal is a SqlRefused whose message is a short French reason.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.forkserver
import os
import threading
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from observatoire.errors import ObservatoireError
from observatoire.output.numbers import format_number
from observatoire.settings import setting
from observatoire.storage.store import Store, create_views, sites_file

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
# Tables a query may name: the documented views, and the one-row academie table `entities` is built from.
READABLE = set(DOCUMENTED_VIEWS) | {"academie"}
# Table functions that only generate values (no file, no catalog, no setting).
TABLE_FUNCTIONS = {"range", "generate_series", "unnest", "json_each", "json_tree"}
# Scalar functions (and macros) that reveal settings, variables or view definitions (absolute paths).
DENIED_FUNCTIONS = {"current_setting", "getvariable", "getenv", "pg_get_viewdef", "write_log",
                    "json_execute_serialized_sql"}
# Query nodes a read may contain (a WITH may also hold INSERT_QUERY_NODE, COPY_QUERY_NODE…: refused).
QUERY_NODES = {"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"}
# SHOW forms that list the catalog (SHOW TABLES, SHOW ALL TABLES, SHOW DATABASES).
SHOW_SPECIAL = {'"tables"', "__show_tables_expanded", '"databases"'}
MAX_SQL_CHARS = 20_000
MAX_PARALLEL = 2  # queries running at once in the whole process (one per core of the server)
BUSY_WAIT_S = 15  # how long a query waits for a free slot before it is refused
START_TIMEOUT_S = 60  # first query of a server: the forkserver imports duckdb and pandas (seconds on a busy machine)
KILL_GRACE_S = 1.0  # the process first interrupts itself at the limit; killed this much later
MAX_RESULT_BYTES = 64 * 1024 * 1024
# EXPLAIN is left out: EXPLAIN ANALYZE runs the statement it explains, whatever its type.
ALLOWED_TYPES = {duckdb.StatementType.SELECT}
MEMORY_REFUSAL = "Mémoire dépassée : restreignez la requête (filtres, agrégats, LIMIT)."
FILE_REFUSAL = "Accès refusé : la console ne lit que les vues documentées (aucun fichier, aucun réseau)."
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
    if len(sql) > MAX_SQL_CHARS:
        raise SqlRefused(f"Requête trop longue : {format_number(MAX_SQL_CHARS)} caractères au plus.")
    parser = duckdb.connect(":memory:", config=_base_config("64MB"))
    try:
        try:
            statements = parser.extract_statements(sql)
        except duckdb.Error as exc:
            raise SqlRefused(f"Erreur de syntaxe : {_first_line(exc)}") from None
        if not statements:
            raise SqlRefused("Requête vide : écrivez une instruction SELECT.")
        if len(statements) > 1:
            raise SqlRefused(f"Une seule instruction à la fois : {len(statements)} trouvées (séparées par « ; »).")
        statement = statements[0]
        try:
            kind = statement.type
        except ValueError:  # a statement type the Python API does not name (UPDATE EXTENSIONS…)
            raise SqlRefused("Instruction interdite : seules les lectures (SELECT) sont permises.") from None
        if kind not in ALLOWED_TYPES:
            name = kind.name
            raise SqlRefused(REFUSALS.get(name, f"Instruction {name} interdite : seules les lectures (SELECT) sont permises."))
        tree = json.loads(parser.execute("select json_serialize_sql(?)", [statement.query]).fetchone()[0])
    finally:
        parser.close()
    if tree.get("error"):
        raise SqlRefused(REFUSALS["MULTI"])
    _check_tree(tree)
    return statement.query


def _check_tree(tree: dict) -> None:
    """SqlRefused unless the syntax tree names only readable tables, generating table functions and allowed functions."""
    tables, functions, table_functions, ctes, parameters, writes = [], set(), set(), set(), [], []

    def walk(node) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if isinstance(kind, str) and kind.endswith("_NODE") and kind not in QUERY_NODES:
            writes.append(kind)
        if kind == "BASE_TABLE":
            tables.append((node.get("catalog_name", ""), node.get("schema_name", ""), node.get("table_name", "")))
        elif kind == "SHOW_REF" and node.get("table_name"):
            if node.get("show_type") == "SHOW_SPECIAL":
                if node["table_name"] not in SHOW_SPECIAL:
                    tables.append(("", "", node["table_name"]))
            else:
                tables.append((node.get("catalog_name", ""), node.get("schema_name", ""), node["table_name"]))
        elif kind == "TABLE_FUNCTION":
            table_functions.add(str(node.get("function", {}).get("function_name", "")).lower())
        if node.get("class") == "PARAMETER":
            parameters.append(node)
        if "function_name" in node:
            functions.add(str(node["function_name"]).lower())
        for entry in (node.get("cte_map") or {}).get("map", []):
            ctes.add(str(entry.get("key", "")).lower())
        for value in node.values():
            walk(value)

    walk(tree.get("statements", []))
    for kind in writes:
        # DuckDB accepts INSERT, UPDATE, DELETE and COPY TO as the body of a WITH, in a statement typed SELECT.
        verb = kind.removesuffix("_QUERY_NODE").removesuffix("_NODE")
        if verb == "COPY":
            raise SqlRefused("COPY est interdit, même dans un WITH : la console n'écrit aucun fichier.")
        raise SqlRefused(f"{verb} est interdit, même dans un WITH : la console est en lecture seule.")
    if parameters:
        raise SqlRefused("Paramètres (?, $1…) non pris en charge : écrivez les valeurs dans la requête.")
    for name in sorted(table_functions - TABLE_FUNCTIONS):
        if name.startswith(("read_", "parquet_", "glob", "sniff_")) or name.endswith("_scan"):
            raise SqlRefused(f"Accès refusé : {name}() lit des fichiers ; la console ne lit que les vues documentées.")
        if name.startswith(("query", "json_execute")):
            raise SqlRefused(f"Fonction {name}() interdite : elle exécuterait une autre requête ; écrivez-la directement.")
        raise SqlRefused(f"Fonction {name}() interdite : seules range, generate_series, unnest, json_each et "
                         "json_tree sont permises comme fonctions de table.")
    for name in sorted(functions & DENIED_FUNCTIONS):
        raise SqlRefused(f"Fonction {name}() interdite : la configuration n'est pas consultable.")
    reserved = _system_names()
    for catalog, schema_name, name in tables:
        low = name.lower()
        if catalog.lower() not in ("", "memory") or schema_name.lower() not in ("", "main"):
            raise SqlRefused(f"« {'.'.join(p for p in (catalog, schema_name, name) if p)} » : seules les vues "
                             "documentées sont accessibles (sans préfixe de schéma).")
        if low in READABLE or (low in ctes and low not in reserved):
            continue
        if any(c in name for c in "/\\.:"):
            raise SqlRefused(FILE_REFUSAL)
        raise SqlRefused(f"Vue inconnue ou interdite : « {name} ». Vues documentées : {', '.join(DOCUMENTED_VIEWS)}.")


@lru_cache(maxsize=1)
def _system_names() -> frozenset[str]:
    """Catalog views a bare name reaches (duckdb_tables, pg_settings…): a WITH name may not take one of them."""
    con = duckdb.connect(":memory:", config=_base_config("64MB"))
    try:
        return frozenset(r[0].lower() for r in con.execute("select distinct view_name from duckdb_views()").fetchall())
    finally:
        con.close()


@dataclass(frozen=True)
class _Job:
    """What the query's process needs to build its views (pickled to it)."""

    data_dir: Path
    territory: object
    catalog: object
    snapshot_infos: list
    sql: str
    max_rows: int
    timeout_s: float
    memory_limit: str


def run_sql(store: Store, sql: str, timeout_s: float | None = None, max_rows: int | None = None) -> SqlResult:
    """Run one read-only statement in a locked process of its own; SqlRefused says why not."""
    default_timeout, default_rows = limits()
    timeout_s = default_timeout if timeout_s is None else timeout_s
    max_rows = default_rows if max_rows is None else max_rows
    text = check_statement(sql)
    job = _Job(Path(store.data_dir), store.territory, store.catalog, list(store.snapshot_infos), text, max_rows,
               timeout_s, setting("sql_memory_limit"))
    if not _SLOTS.acquire(timeout=BUSY_WAIT_S):
        raise SqlRefused("Console occupée : d'autres requêtes tournent, réessayez dans un instant.")
    try:
        return _run_in_process(job)
    finally:
        _SLOTS.release()


_SLOTS = threading.BoundedSemaphore(MAX_PARALLEL)


WORKER_NAME = "observatoire-sql"


def _context():
    context = multiprocessing.get_context("forkserver")
    # The forkserver imports this module (duckdb, pandas) once; every query's process is then a cheap fork
    # of a single-threaded server (forking the multi-threaded app server itself is unsafe).
    context.set_forkserver_preload(["observatoire.console.sandbox"])
    _skip_main_in_workers()
    return context


def _skip_main_in_workers() -> None:
    """Query processes do not run the parent's __main__ again (multiprocessing does so by default).

    Under `streamlit run`, __main__ is the page being run: every query's process would execute the whole
    page (seconds, and Streamlit calls with no session). The worker lives in this module, so the main
    script is never needed. Only processes named WORKER_NAME are affected.
    """
    from multiprocessing import spawn

    if getattr(spawn.get_preparation_data, "skips_main_for", None) == WORKER_NAME:
        return
    original = spawn.get_preparation_data

    def preparation_data(name):
        data = original(name)
        if name == WORKER_NAME:
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    preparation_data.skips_main_for = WORKER_NAME
    spawn.get_preparation_data = preparation_data


def warm_up() -> None:
    """Start the forkserver in the background (the console page calls it so the first query is quick)."""
    threading.Thread(target=_start_forkserver, daemon=True).start()


def _start_forkserver() -> None:
    try:
        _context()
        multiprocessing.forkserver.ensure_running()
    except Exception:  # noqa: BLE001 - warm-up only: the first query starts it otherwise
        pass


def _run_in_process(job: _Job) -> SqlResult:
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_worker, args=(sender, job), daemon=True, name=WORKER_NAME)
    try:
        process.start()
        sender.close()
        if not receiver.poll(START_TIMEOUT_S):
            raise SqlRefused("La console n'a pas pu démarrer à temps : réessayez.")
        message = receiver.recv()
        if message[0] == "ready":
            started = time.perf_counter()
            if not receiver.poll(job.timeout_s + KILL_GRACE_S):
                raise SqlRefused(_timeout_reason(job.timeout_s))
            message = receiver.recv()
        if message[0] == "refused":
            raise SqlRefused(message[1])
        _, frame, truncated = message
        return SqlResult(frame, truncated, job.max_rows, time.perf_counter() - started)
    except EOFError:
        # The process died without a word: killed by the address-space limit (or the system) while allocating.
        raise SqlRefused(MEMORY_REFUSAL) from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        receiver.close()


def _worker(sender, job: _Job) -> None:
    """In the query's own process: limits, locked connection, run, send back a result or a French reason."""
    import resource

    try:
        os.nice(15)  # the app server keeps priority over a heavy query
    except OSError:
        pass
    budget = _bytes(job.memory_limit)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    # Room for the interpreter and DuckDB's own mappings, plus twice the DuckDB limit for what it does not count.
    cap = _address_space() + 2 * budget + 512 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    # A last resort should the server die: the process cannot outlive its time limit by much.
    cpu = int(job.timeout_s * 2 + 10)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    _forbid_writes_and_network()
    try:
        con = _locked_connection(job.data_dir, job.territory, job.catalog, job.snapshot_infos, job.memory_limit)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, never raised in a fork
        sender.send(("refused", f"La console n'a pas pu ouvrir les vues : {_first_line(exc)}"))
        sender.close()
        return
    sender.send(("ready",))
    timer = threading.Timer(job.timeout_s, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        cursor = con.execute(job.sql)
        names = [column[0] for column in cursor.description or []]
        rows = cursor.fetchmany(job.max_rows + 1)  # the result streams: one row more than the limit tells a cut
        frame = pd.DataFrame.from_records(rows[:job.max_rows], columns=names) if names else pd.DataFrame()
        frame = frame.infer_objects()
        if frame.memory_usage(deep=True).sum() > MAX_RESULT_BYTES:
            message = ("refused", f"Résultat trop volumineux : plus de {MAX_RESULT_BYTES // 2**20} Mo ; "
                                  "sélectionnez moins de colonnes ou de lignes.")
        else:
            message = ("ok", frame, len(rows) > job.max_rows)
    except duckdb.InterruptException:
        message = ("refused", _timeout_reason(job.timeout_s))
    except duckdb.Error as exc:
        message = ("refused", _reason(exc))
    except MemoryError:
        message = ("refused", MEMORY_REFUSAL)
    except Exception as exc:  # noqa: BLE001 - a conversion error: reported, the process must answer
        message = ("refused", f"Erreur d'exécution : {_first_line(exc)}")
    finally:
        timer.cancel()
    try:
        sender.send(message)
    except MemoryError:
        sender.send(("refused", MEMORY_REFUSAL))
    sender.close()
    con.close()


def _forbid_writes_and_network() -> bool:
    """Landlock (Linux 5.13+): from now on this process can create, change or delete no file, and open no TCP
    connection, whatever DuckDB is told. Reading stays allowed (the views read Parquet). False where the
    kernel has no Landlock: the statement check and DuckDB's own locks remain."""
    import ctypes
    import platform

    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "aarch64"):
        return False
    create, restrict = 444, 446  # landlock_create_ruleset, landlock_restrict_self (same on both)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(create, None, ctypes.c_size_t(0), ctypes.c_uint32(1))  # LANDLOCK_CREATE_RULESET_VERSION
    if abi < 1:
        return False
    fs = 1 << 0 | sum(1 << bit for bit in range(4, 13)) | 1 << 1  # execute, write, remove, make anything
    if abi >= 2:
        fs |= 1 << 13  # refer (link or rename across folders)
    if abi >= 3:
        fs |= 1 << 14  # truncate
    net = 0b11 if abi >= 4 else 0  # bind and connect TCP

    class Attr(ctypes.Structure):
        _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64)]

    attr = Attr(fs, net)
    size = ctypes.sizeof(Attr) if abi >= 4 else 8
    ruleset = libc.syscall(create, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return False
    try:
        libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS, required to restrict oneself
        return libc.syscall(restrict, ctypes.c_int(ruleset), ctypes.c_uint32(0)) == 0
    finally:
        os.close(ruleset)


def _timeout_reason(timeout_s: float) -> str:
    return f"Temps limite dépassé : requête arrêtée après {format_number(timeout_s, 1 if timeout_s % 1 else 0)} s."


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _bytes(text: str) -> int:
    units = {"kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4, "kib": 1024, "mib": 1024**2,
             "gib": 1024**3, "tib": 1024**4, "b": 1}
    value = text.strip().lower().replace(" ", "")
    for unit in sorted(units, key=len, reverse=True):
        if value.endswith(unit):
            return int(float(value[: -len(unit)]) * units[unit])
    return int(float(value))


def sandbox_connection(store: Store) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory connection with the documented views, then locked (order matters)."""
    return _locked_connection(store.data_dir, store.territory, store.catalog, store.snapshot_infos,
                              setting("sql_memory_limit"))


def _locked_connection(data_dir: Path, territory, catalog, snapshot_infos: list,
                       memory_limit: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:", config=_base_config(memory_limit))
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
        "threads": 1,  # one core per query at most (two queries at once on a two-core server)
        "memory_limit": memory_limit,
        "temp_directory": "",  # nothing spills to disk
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "python_enable_replacements": False,  # no reading a Python variable by its name
    }


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _reason(exc: duckdb.Error) -> str:
    message = _first_line(exc)
    if isinstance(exc, duckdb.PermissionException) or "Permission denied" in message:
        return FILE_REFUSAL
    if isinstance(exc, duckdb.ParserException):
        return f"Erreur de syntaxe : {message}"
    if isinstance(exc, duckdb.CatalogException):
        return f"Nom inconnu (vue, colonne ou fonction) : {message}"
    if isinstance(exc, duckdb.BinderException):
        return f"Requête invalide : {message}"
    if isinstance(exc, duckdb.OutOfMemoryException) or "std::bad_alloc" in message:
        return MEMORY_REFUSAL
    if isinstance(exc, duckdb.InvalidInputException) and "lock" in message.lower():
        return "La configuration est verrouillée."
    return f"Erreur d'exécution : {message}"
