"""`observatoire load`: drive N sessions for S seconds against a loopback server and report what they saw."""

from __future__ import annotations

import asyncio
import random
import time
from urllib.parse import urlparse

from observatoire.errors import ObservatoireError
from observatoire.load import procs, wire
from observatoire.load.scenario import FILTER_KEY, RUN_TIMEOUT, Outcome, inspector

LOOPBACK = {"127.0.0.1", "localhost"}
MAX_SESSIONS, MAX_DURATION = 200, 1800
MEMORY_EVERY = 2.0


class UsageError(ObservatoireError):
    """A bad option: the command exits with 2."""


def check(url: str, sessions: int, duration: float) -> tuple[str, int]:
    """(websocket URL of the stream, port) or UsageError in French."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or parsed.hostname not in LOOPBACK:
        raise UsageError(f"--url « {url} » : seul un serveur local est accepté (http://127.0.0.1:PORT ou "
                         "http://localhost:PORT) ; cette commande génère de la charge, ne la lancez pas sur un "
                         "serveur d'autrui.")
    if not 1 <= sessions <= MAX_SESSIONS:
        raise UsageError(f"--sessions doit être compris entre 1 et {MAX_SESSIONS}.")
    if not 1 <= duration <= MAX_DURATION:
        raise UsageError(f"--duration doit être compris entre 1 et {MAX_DURATION} secondes.")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    scheme = "wss" if parsed.scheme == "https" else "ws"
    base = parsed.path.rstrip("/")
    return f"{scheme}://{parsed.hostname}:{port}{base}{wire.STREAM_PATH}", port


async def first_run(stream_url: str, page: str = "axe-1") -> wire.Run:
    """One session's first run of `page`, no filter (a probe; also how `make serve` warms a process)."""
    from websockets.asyncio.client import connect

    from observatoire.load.scenario import _run

    async with connect(stream_url, subprotocols=["streamlit"], max_size=None, open_timeout=RUN_TIMEOUT,
                       ping_interval=None) as ws:
        return await _run(ws, wire.rerun(page, {}))


async def _circonscriptions(stream_url: str) -> list[str]:
    """The circonscriptions the server offers (its sidebar filter), read by one probe session."""
    run = await first_run(stream_url)
    options = run.selectboxes.get(FILTER_KEY, ("", []))[1]
    return [o for o in options[1:]] or [""]   # the first option is "every circonscription"


async def _memory(pids: list[int], stop: asyncio.Event, samples: list[int]) -> None:
    while True:
        samples.append(procs.rss_bytes(pids))
        try:
            await asyncio.wait_for(stop.wait(), MEMORY_EVERY)
            samples.append(procs.rss_bytes(pids))
            return
        except TimeoutError:
            continue


async def _drive(stream_url: str, port: int, sessions: int, duration: float, seed: int) -> dict:
    try:
        names = await _circonscriptions(stream_url)
    except OSError as exc:
        raise ObservatoireError(f"Le serveur {stream_url} ne répond pas ({exc}). Démarrez-le (`make start` ou "
                                "`make serve`) puis relancez la commande.") from exc
    pids = procs.server_processes(port)
    memory: list[int] = []
    stop = asyncio.Event()
    watcher = asyncio.create_task(_memory(pids, stop, memory))
    rng = random.Random(seed)
    outcomes = [Outcome() for _ in range(sessions)]
    began, cpu = time.monotonic(), procs.cpu_seconds(pids)
    deadline = began + duration
    spread = min(5.0, duration / 4)   # a room opening the same link within a few seconds
    await asyncio.gather(*(
        inspector(stream_url, names[n % len(names)], deadline, random.Random(rng.random()),
                  rng.uniform(0, spread), outcome) for n, outcome in enumerate(outcomes)))
    stop.set()
    await watcher
    cpu = procs.cpu_seconds(pids) - cpu
    return {"server_cpu_s": round(cpu, 2), "sessions": sessions, "duration_s": duration, "elapsed_s": round(time.monotonic() - began, 1),
            "server_pids": pids, "memory_bytes": memory,
            "samples": [vars(s) for o in outcomes for s in o.samples]}


def drive(url: str, sessions: int, duration: float, seed: int = 16) -> dict:
    """Run the load; bounded by `duration` plus one run's timeout."""
    stream_url, port = check(url, sessions, duration)
    result = asyncio.run(_drive(stream_url, port, sessions, duration, seed))
    result["url"] = url
    return result
