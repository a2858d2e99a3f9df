"""One simulated inspector: open a deep link, then switch pages and change a sidebar filter, with think time.

Each interaction is timed from the message sent to the end of the script run it caused (the server's
`script_finished`), as a browser waits for it; the first open also counts the page's HTML request and the
websocket handshake. Like a browser, a session sends on its websocket the cookies its page request was given
(a proxy's sticky-session cookie).
"""

from __future__ import annotations

import asyncio
import random
import time
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

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


def page_cookies(stream_url: str, page: str, query: dict[str, str]) -> str | None:
    """GET the page as a browser does before it opens the websocket; the cookies the answer sets (name=value)."""
    base = stream_url.replace("ws", "http", 1).removesuffix(wire.STREAM_PATH)
    with urllib.request.urlopen(f"{base}/{page}?{urlencode(query)}", timeout=RUN_TIMEOUT) as answer:
        answer.read()
        cookies = [header.split(";", 1)[0].strip() for header in answer.headers.get_all("Set-Cookie") or []]
    return "; ".join(cookies) or None


async def inspector(stream_url: str, circonscription: str, deadline: float, rng: random.Random,
                    start_delay: float, outcome: Outcome) -> None:
    """Play one session until `deadline` (time.monotonic()); record every interaction in `outcome`."""
    from websockets.asyncio.client import connect

    await asyncio.sleep(start_delay)
    query = {FILTER_KEY: circonscription}
    started = time.monotonic()
    try:
        cookies = await asyncio.to_thread(page_cookies, stream_url, "axe-1", query)
        async with connect(stream_url, subprotocols=["streamlit"], max_size=None, open_timeout=RUN_TIMEOUT,
                           ping_interval=None, additional_headers={"Cookie": cookies} if cookies else None) as ws:
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
