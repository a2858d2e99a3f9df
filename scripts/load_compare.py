"""One process (`make start`'s command) and the proxied layout (`make serve`), side by side, under
`observatoire load` at several session counts; prints the README's Markdown table.

    .venv/bin/python scripts/load_compare.py --levels 10 30 60 --duration 60 --replicas 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2).read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} ne répond pas")


def load(url: str, sessions: int, duration: float) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([str(BIN / "observatoire"), "load", "--url", url, "--sessions", str(sessions),
                        "--duration", str(duration), "--json", out.name], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        return json.loads(Path(out.name).read_text())["summary"]


def cell(figures: dict) -> str:
    both, first, memory = figures["interactions"], figures["kinds"]["ouverture"], figures["memory_mb"]
    s = lambda v: "—" if v is None else f"{v:.2f}".replace(".", ",") + " s"  # noqa: E731
    return (f"{s(both['p50_s'])} | {s(both['p95_s'])} | {s(first['p50_s'])} / {s(first['p95_s'])} | "
            f"{figures['errors']} | {memory['start']:.0f} → {memory['max']:.0f} Mo")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", type=int, nargs="+", default=[10, 30, 60])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args()
    one, proxied = free_port(), free_port()
    single = subprocess.Popen([str(BIN / "streamlit"), "run", "app.py", "--server.port", str(one), "--server.address",
                               "127.0.0.1", "--server.headless", "true"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    serve = subprocess.Popen([str(BIN / "python"), "-m", "observatoire.serve", "--replicas", str(args.replicas),
                              "--port", str(proxied)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        wait(f"http://127.0.0.1:{one}")
        wait(f"http://127.0.0.1:{proxied}")
        for level in args.levels:
            a = load(f"http://127.0.0.1:{one}", level, args.duration)
            b = load(f"http://127.0.0.1:{proxied}", level, args.duration)
            rows.append(f"| {level} | {cell(a)} | {cell(b)} |")
            print(rows[-1], flush=True)
    finally:
        for process in (single, serve):
            process.terminate()
            process.wait(timeout=30)
    print(f"\n| sessions | p50 | p95 | 1re ouverture p50 / p95 | erreurs | mémoire | "
          f"p50 | p95 | 1re ouverture p50 / p95 | erreurs | mémoire |\n|---|" + "---|" * 10)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
