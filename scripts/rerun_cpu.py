"""Server CPU of a warm rerun, per page, on a running server: one session opens each page with an inspector's
filter, reruns it twice, then reruns it ten times while the server processes' CPU time is read from /proc.

    .venv/bin/python scripts/rerun_cpu.py 8501 [axe-1 carte ""]   ("" is the Synthèse)

Profile the same loop with py-spy (`py-spy record -p PID -f raw`) to see where a rerun goes.
"""

from __future__ import annotations

import asyncio
import sys
import time
from urllib.parse import parse_qsl

from websockets.asyncio.client import connect

from observatoire.load import procs, wire
from observatoire.load.scenario import _run

RERUNS = 10


async def main(port: int, pages: list[str]) -> None:
    pids = procs.server_processes(port)
    async with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=None) as ws:
        for page in pages:
            query = {"circonscription": "C01"}
            run = await _run(ws, wire.rerun(page, query))
            query = dict(parse_qsl(run.query)) if run.query else query
            for _ in range(2):
                await _run(ws, wire.rerun(page, query))
            cpu, began, size = procs.cpu_seconds(pids), time.monotonic(), 0
            for _ in range(RERUNS):
                size += (await _run(ws, wire.rerun(page, query))).bytes_received
            print(f"{page or 'synthese':10s} CPU {1000 * (procs.cpu_seconds(pids) - cpu) / RERUNS:5.0f} ms/rerun, "
                  f"{1000 * (time.monotonic() - began) / RERUNS:5.0f} ms wall, {size / RERUNS / 1024:4.0f} kB sent")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2:] or ["axe-1", "axe-2", "axe-3", "carte", ""]))
