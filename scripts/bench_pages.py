"""The page half of `observatoire bench`: every page rendered by Streamlit's AppTest, then the queries it ran replayed.

Run by observatoire/bench/run.py in an interpreter of its own (so the domain package never imports Streamlit
and this part's peak RSS is its own); writes its measures as JSON. By hand:

    python scripts/bench_pages.py DATA_DIR [--repeat N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
FLOOR_SCRIPT = "import streamlit as st\n\nst.write('Observatoire')\n"


def bench_pages() -> list[dict]:
    """Every page in the menu (default URL)."""
    from components.shell import PAGES, VIEWS

    pages = [{"name": url, "file": str(VIEWS / name), "params": {}}
             for entries in PAGES.values() for name, _title, url, _icon in entries if (VIEWS / name).exists()]
    return pages


def _subject_pages(data_dir: Path, pages: list[dict]) -> list[dict]:
    """The fiches opened on the first site and the most populated commune, as extra 'pages'."""
    import pandas as pd

    sites = pd.read_parquet(Path(data_dir) / "reference" / "sites.parquet", columns=["uai", "commune_code", "pupils"])
    extra = []
    for page in pages:
        if page["name"] == "etablissement" and len(sites):
            extra.append({**page, "name": "etablissement?uai", "params": {"uai": str(sites["uai"].iloc[0])}})
        if page["name"] == "commune" and len(sites):
            code = sites.groupby("commune_code")["pupils"].sum().idxmax()
            extra.append({**page, "name": "commune?code", "params": {"code": str(code)}})
    return extra


def _errors_of(at) -> list[str]:
    return [str(e.value)[:300] for e in at.exception] + [str(e.value)[:300] for e in at.error]


def measure_pages(data_dir: str, repeat: int) -> dict:
    """Render every page (cold, then warm) and the floor, then replay the queries the pages ran."""
    os.environ["OBSERVATOIRE_DATA_DIR"] = data_dir
    if str(ROOT) not in sys.path:  # the app and its pages import `components` from the repository's root
        sys.path.insert(0, str(ROOT))
    import streamlit as st
    from streamlit import logger as st_logger
    from streamlit.testing.v1 import AppTest

    st_logger.set_log_level("error")  # "No runtime found" and bare-mode warnings of AppTest

    from observatoire.bench.measure import peak_rss_bytes, summary
    from observatoire.bench.queries import replay_queries
    from observatoire.storage.store import Store

    original_run = Store.run
    recorded: list[tuple[str, str, dict]] = []
    current = {"page": None}

    def recording_run(self, name, **params):
        recorded.append((current["page"], name, dict(params)))
        return original_run(self, name, **params)

    Store.run = recording_run
    pages = bench_pages()
    pages += _subject_pages(Path(data_dir), pages)

    def clear():
        st.cache_data.clear()
        st.cache_resource.clear()

    def render(at) -> float:
        started = time.perf_counter()
        at.run()
        return time.perf_counter() - started

    # The floor: a script with only st.write, measured the same way.
    floor_at = AppTest.from_string(FLOOR_SCRIPT, default_timeout=600)
    render(floor_at)
    clear()
    floor = {"cold_s": render(floor_at), **summary([render(floor_at) for _ in range(repeat)])}

    results = []
    for page in pages:
        at = AppTest.from_file(str(APP), default_timeout=600)
        for key, value in page["params"].items():
            at.query_params[key] = value
        current["page"] = None
        at.run()  # the default page: imports done, the session set up, not timed
        clear()
        current["page"] = page["name"]
        at.switch_page(page["file"])
        cold = render(at)
        errors = _errors_of(at)
        current["page"] = None
        warm = [render(at) for _ in range(repeat)]
        errors += [e for e in _errors_of(at) if e not in errors]
        results.append({"name": page["name"], "params": page["params"], "cold_s": cold, **summary(warm),
                        "errors": errors, "elements": len(list(at.main))})
    server_rss = peak_rss_bytes()
    Store.run = original_run

    queries = replay_queries(Path(data_dir), recorded, repeat)
    for page in results:
        page["queries"] = [q["label"] for q in queries if page["name"] in q["pages"]]
    return {"floor": floor, "pages": results, "queries": queries, "server_peak_rss_bytes": server_rss,
            "peak_rss_after_replay_bytes": peak_rss_bytes()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", help="the bench's data folder (a demo dataset)")
    parser.add_argument("--repeat", type=int, default=10, help="warm renders and replays of each page and query")
    parser.add_argument("--json", help="where to write the measures (default: standard output)")
    args = parser.parse_args(argv)
    text = json.dumps(measure_pages(args.data_dir, args.repeat), ensure_ascii=False)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
