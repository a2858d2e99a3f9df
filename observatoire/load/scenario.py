"""One simulated inspector: open a deep link, then switch pages and change a sidebar filter, with think time.

Each interaction is timed from the message sent to the end of the script run it caused (the server's
`script_finished`), as a browser waits for it; the first open also counts the websocket handshake.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from observatoire.load import wire

OPEN, PAGE, FILTER = "ouverture", "changement de page", "filtre"
PAGES = ("axe-1", "axe-2", "axe-3", "carte", "")   # "" is the Synthèse, the root page
FILTER_KEY = "circonscription"
THINK_SECONDS = (1.0, 3.0)
RUN_TIMEOUT = 60.0


@dataclass
class Sample:
    kind: str
    seconds: float
    error: str | None = None


@dataclass
class Outcome:
    samples: list[Sample] = field(default_factory=list)


class SessionError(Exception):
    pass


async def _run(ws, payload: bytes) -> wire.Run:
    """Send one BackMsg and read until the script run it caused is over."""
    await ws.send(payload)
    run = wire.Run()
    async with asyncio.timeout(RUN_TIMEOUT):
        while not run.done:
            message = await ws.recv()
            if isinstance(message, bytes):
                wire.read(message, run)
    if run.status == wire.COMPILE_ERROR:
        raise SessionError("le script ne compile pas")
    if run.exceptions:
        raise SessionError("exception affichée : " + run.exceptions[0])
    return run


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"pas de fin d'exécution en {RUN_TIMEOUT:.0f} s"
    return str(exc) or type(exc).__name__


async def inspector(stream_url: str, circonscription: str, deadline: float, rng: random.Random,
                    start_delay: float, outcome: Outcome) -> None:
    """Play one session until `deadline` (time.monotonic()); record every interaction in `outcome`."""
    from websockets.asyncio.client import connect

    await asyncio.sleep(start_delay)
    query = {FILTER_KEY: circonscription}
    started = time.monotonic()
    try:
        async with connect(stream_url, subprotocols=["streamlit"], max_size=None, open_timeout=RUN_TIMEOUT,
                           ping_interval=None) as ws:
            run = await _run(ws, wire.rerun("axe-1", query))
            outcome.samples.append(Sample(OPEN, time.monotonic() - started))
            page, boxes = "axe-1", run.selectboxes
            query = dict(parse_qsl(run.query)) if run.query is not None else query
            n = 0
            while True:
                think = rng.uniform(*THINK_SECONDS)
                if time.monotonic() + think >= deadline:
                    break
                await asyncio.sleep(think)
                n += 1
                widgets = None
                if n % 2 and FILTER_KEY in boxes:   # every other action changes the circonscription
                    kind = FILTER
                    widget_id, options = boxes[FILTER_KEY]
                    widgets = {widget_id: rng.choice(options)}
                else:
                    kind = PAGE
                    page = rng.choice([p for p in PAGES if p != page])
                began = time.monotonic()
                try:
                    run = await _run(ws, wire.rerun(page, query, widgets))
                except SessionError as exc:
                    outcome.samples.append(Sample(kind, time.monotonic() - began, _describe(exc)))
                    continue
                outcome.samples.append(Sample(kind, time.monotonic() - began))
                boxes = run.selectboxes or boxes
                if run.query is not None:
                    query = dict(parse_qsl(run.query))
    except Exception as exc:  # noqa: BLE001 — a lost connection, a timeout, a refused handshake: a measured error
        kind = OPEN if not outcome.samples else PAGE
        outcome.samples.append(Sample(kind, time.monotonic() - started, _describe(exc)))
