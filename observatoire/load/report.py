"""Figures of a load run: p50/p95 per interaction kind, first opens, errors, server memory; in French."""

from __future__ import annotations

from collections import Counter

from observatoire.load.scenario import FILTER, OPEN, PAGE
from observatoire.output.numbers import format_number


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (share in 0..1), None for no value."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil
    return ordered[int(rank) - 1]


def summary(result: dict) -> dict:
    """Per kind: count, p50, p95, max (seconds, successful interactions); errors; memory in MB."""
    samples = result["samples"]
    kinds = {}
    for kind in (OPEN, PAGE, FILTER):
        ok = [s["seconds"] for s in samples if s["kind"] == kind and not s["error"]]
        kinds[kind] = {"count": len(ok), "p50_s": percentile(ok, .5), "p95_s": percentile(ok, .95),
                       "max_s": max(ok) if ok else None}
    interactions = [s["seconds"] for s in samples if s["kind"] != OPEN and not s["error"]]
    errors = Counter(s["error"] for s in samples if s["error"])
    memory = [m / 2**20 for m in result["memory_bytes"]]
    elapsed = result["elapsed_s"] or 1
    return {
        "kinds": kinds,
        "interactions": {"count": len(interactions), "p50_s": percentile(interactions, .5),
                         "p95_s": percentile(interactions, .95), "per_second": len(interactions) / elapsed},
        "server_cpu_ms_per_interaction": (1000 * result["server_cpu_s"] / max(1, len(samples)))
        if result["server_pids"] else None,
        "errors": sum(errors.values()), "error_kinds": dict(errors.most_common(5)),
        "memory_mb": {"start": memory[0] if memory else None, "max": max(memory) if memory else None,
                      "end": memory[-1] if memory else None, "processes": len(result["server_pids"])},
    }


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{format_number(value, 2)} s"


def _mb(value: float | None) -> str:
    return "—" if value is None else f"{format_number(value, 0)} Mo"


def text(result: dict, figures: dict) -> str:
    """The report printed by the command."""
    lines = [f"{result['sessions']} sessions pendant {format_number(result['duration_s'], 0)} s sur {result['url']} "
             f"(fin après {format_number(result['elapsed_s'], 1)} s)", "",
             "| interaction | nombre | p50 | p95 | max |", "|---|---|---|---|---|"]
    for kind, row in figures["kinds"].items():
        lines.append(f"| {kind} | {format_number(row['count'])} | {_seconds(row['p50_s'])} | "
                     f"{_seconds(row['p95_s'])} | {_seconds(row['max_s'])} |")
    both = figures["interactions"]
    lines += ["", f"Pages et filtres : p50 {_seconds(both['p50_s'])}, p95 {_seconds(both['p95_s'])}, "
                  f"{format_number(both['per_second'], 1)} interactions par seconde.",
              f"Erreurs : {format_number(figures['errors'])}"]
    if figures["server_cpu_ms_per_interaction"] is not None:
        lines.append(f"CPU du serveur : {format_number(result['server_cpu_s'], 1)} s, soit "
                     f"{format_number(figures['server_cpu_ms_per_interaction'], 0)} ms par interaction.")
    lines += [f"  - {format_number(n)} × {message}" for message, n in figures["error_kinds"].items()]
    memory = figures["memory_mb"]
    if memory["processes"]:
        lines.append(f"Mémoire du serveur ({memory['processes']} processus, RSS) : {_mb(memory['start'])} au début, "
                     f"{_mb(memory['max'])} au plus haut, {_mb(memory['end'])} à la fin.")
    else:
        lines.append("Mémoire du serveur : processus introuvable dans /proc (serveur d'un autre utilisateur ?).")
    return "\n".join(lines)
