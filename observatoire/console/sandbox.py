"""The SQL console's engine: one read-only SELECT on the documented views, in a process of its own.

Two layers. Before anything runs, the statement is checked (statement.py: parsed by DuckDB, nothing executed).
Then it runs in a short-lived process forked from a forkserver, on a fresh in-memory connection locked down
(connection.py). The process has an address-space limit and a lowered priority, and is killed at the time
limit: a query DuckDB cannot interrupt (a huge string, a recursive CTE) or one that would exhaust memory can
neither stall nor starve the app server. At most MAX_RUNNING queries run at once, heavy ones demoted. The result is cut at a row
limit. Nothing one user runs can change what another sees. Every refusal is a SqlRefused whose message is a
short French reason.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from observatoire.console.connection import locked_connection
from observatoire.console.statement import FILE_REFUSAL, SqlRefused, check_statement, first_line
from observatoire.output.numbers import format_number
from observatoire.settings import setting
from observatoire.storage.store import Store

# Fairness: up to MAX_RUNNING queries run at once, each in its own process with one DuckDB thread. A query starts
# at a lowered priority (START_NICE) and, once it has run DEMOTE_AFTER_S, drops further (DEMOTED_NICE): the
# kernel then gives a new, short query most of a core however many heavy ones are running, and the app server
# (nice 0) stays ahead of them all. The time limit counts from the moment the query is submitted (waiting for a
# slot and starting the process included), so it holds under load, in the page and in the CLI.
MAX_RUNNING = 8
START_NICE, DEMOTED_NICE = 5, 15  # weights 335 and 36: a short query gets ~9 times the CPU of a heavy one
DEMOTE_AFTER_S = 0.5
KILL_GRACE_S = 1.0  # the process first interrupts itself at the limit; killed this much later
MAX_RESULT_BYTES = 32 * 1024 * 1024
MEMORY_REFUSAL = "Mémoire dépassée : restreignez la requête (filtres, agrégats, LIMIT)."


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
    deadline: float | None  # time.monotonic() (system-wide on Linux) at which the query is interrupted; None
    # on the first query of a process, whose forkserver is still importing duckdb and pandas (seconds on a busy
    # machine, once): its limit counts from the moment its process is ready


def run_sql(store: Store, sql: str, timeout_s: float | None = None, max_rows: int | None = None) -> SqlResult:
    """Run one read-only statement in a locked process of its own; SqlRefused says why not."""
    default_timeout, default_rows = limits()
    timeout_s = default_timeout if timeout_s is None else timeout_s
    max_rows = default_rows if max_rows is None else max_rows
    submitted = time.monotonic()
    text = check_statement(sql)
    job = _Job(Path(store.data_dir), store.territory, store.catalog, list(store.snapshot_infos), text, max_rows,
               timeout_s, setting("sql_memory_limit"), submitted + timeout_s if _WARM.is_set() else None)
    if not _SLOTS.acquire(timeout=max(0.0, submitted + timeout_s - time.monotonic())):
        raise SqlRefused(f"Console occupée : {MAX_RUNNING} requêtes tournent déjà ; réessayez dans un instant.")
    try:
        return _run_in_process(job, submitted)
    finally:
        _SLOTS.release()
        release_memory()


_SLOTS = threading.BoundedSemaphore(MAX_RUNNING)
_WARM = threading.Event()  # set once a query process has started: the forkserver is up
START_TIMEOUT_S = 60  # the first start of the forkserver (imports), on a loaded machine


def release_memory(later: bool = True) -> None:
    """Give freed memory back to the system (glibc keeps it otherwise: a large result read by a session that
    has since closed would stay in the server's footprint). Now, and again a little later, when the page has
    dropped the result it showed."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return
    if later:
        for delay in (30, 180):
            timer = threading.Timer(delay, release_memory, kwargs={"later": False})
            timer.daemon = True
            timer.start()


WORKER_NAME = "observatoire-sql"


def _context():
    context = multiprocessing.get_context("forkserver")
    # The forkserver imports this module (and through it statement.py, connection.py: duckdb, pandas) once; every
    # query's process is then a cheap fork of a single-threaded server (forking the multi-threaded app server
    # itself is unsafe). The worker lives here, so this is the one module to preload.
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


def _run_in_process(job: _Job, submitted: float | None = None) -> SqlResult:
    submitted = time.monotonic() if submitted is None else submitted
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_worker, args=(sender, job), daemon=True, name=WORKER_NAME)

    deadline = job.deadline

    def left() -> float:
        return max(0.0, deadline + KILL_GRACE_S - time.monotonic())
    try:
        process.start()
        sender.close()
        if not receiver.poll(left() if deadline is not None else START_TIMEOUT_S):
            raise SqlRefused(_timeout_reason(job.timeout_s))
        message = receiver.recv()
        _WARM.set()
        if message[0] == "ready":
            deadline = deadline if deadline is not None else time.monotonic() + job.timeout_s
            if not receiver.poll(min(DEMOTE_AFTER_S, left())):
                _demote(process.pid)  # a heavy query: it yields the cores to the short ones
                if not receiver.poll(left()):
                    raise SqlRefused(_timeout_reason(job.timeout_s))
            message = receiver.recv()
        if message[0] == "refused":
            raise SqlRefused(message[1])
        _, frame, truncated = message
        return SqlResult(frame, truncated, job.max_rows, time.monotonic() - submitted)
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
        os.nice(START_NICE)  # the app server keeps priority; heavy queries are demoted further (_demote)
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
        con = locked_connection(job.data_dir, job.territory, job.catalog, job.snapshot_infos, job.memory_limit)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, never raised in a fork
        sender.send(("refused", f"La console n'a pas pu ouvrir les vues : {first_line(exc)}"))
        sender.close()
        return
    sender.send(("ready",))
    limit = job.timeout_s if job.deadline is None else max(0.0, job.deadline - time.monotonic())
    timer = threading.Timer(limit, con.interrupt)
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
        message = ("refused", f"Erreur d'exécution : {first_line(exc)}")
    finally:
        timer.cancel()
    try:
        sender.send(message)
    except MemoryError:
        sender.send(("refused", MEMORY_REFUSAL))
    sender.close()
    con.close()


def _demote(pid: int) -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, pid, DEMOTED_NICE)
    except OSError:  # already gone
        pass


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


def _reason(exc: duckdb.Error) -> str:
    message = first_line(exc)
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
