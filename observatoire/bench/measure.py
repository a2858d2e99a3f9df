"""How a figure is measured: percentiles of timings, peak memory, and the machine and versions it ran on."""

from __future__ import annotations

import os
import platform
import resource
import sys
import time

from observatoire import __version__


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(seconds: list[float]) -> dict:
    return {"p50_s": percentile(seconds, 50), "p95_s": percentile(seconds, 95), "runs": len(seconds)}


def warm_timings(call, repeat: int) -> tuple:
    """(first result, seconds of each of `repeat` more calls): the first call warms up and is not timed."""
    result = call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return result, times


def peak_rss_bytes() -> int:
    """Peak resident set size of this process (ru_maxrss is in KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def machine() -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(), "cpu_count": os.cpu_count()}
    try:
        info["ram_bytes"] = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        info["ram_bytes"] = None
    return info


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"observatoire": __version__, "python": platform.python_version()}
    for package in ("streamlit", "duckdb", "pandas", "pyarrow", "numpy"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = None
    return out
