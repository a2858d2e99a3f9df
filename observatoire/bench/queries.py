"""The named queries the pages ran, replayed warm on the DuckDB store; their parameters to and from JSON."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from observatoire.bench.measure import summary, warm_timings


def jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def from_json(params: dict) -> dict:
    out = {}
    for key, value in params.items():
        if key.startswith("date") and isinstance(value, str):
            value = date.fromisoformat(value)
        out[key] = value
    return out


def query_label(name: str, params: dict) -> str:
    """A short readable name for a (query, parameters) call."""
    parts = []
    for key, value in sorted(params.items()):
        if value is None:
            continue
        if key == "indicator_ids":
            parts.append(value[0] if len(value) == 1 else f"{len(value)} ind.")
        elif key in ("date_from", "date_to"):
            continue
        else:
            parts.append(f"{key}={value}")
    if "date_from" in params and "date_to" in params:
        parts.append("1 date" if params["date_from"] == params["date_to"] else "période")
    return f"{name}({', '.join(parts)})"


def replay_queries(data_dir: Path, recorded: list[tuple[str | None, str, dict]], repeat: int) -> list[dict]:
    """Every distinct call (page, query name, parameters) a page made, replayed warm on a store of its own."""
    from observatoire.storage.store import Store

    store = Store(Path(data_dir))
    distinct: dict[str, dict] = {}
    for page_name, name, params in recorded:
        if page_name is None:
            continue
        key = json.dumps([name, {k: jsonable(v) for k, v in sorted(params.items())}], ensure_ascii=False)
        entry = distinct.setdefault(key, {"name": name, "params": params, "pages": []})
        if page_name not in entry["pages"]:
            entry["pages"].append(page_name)
    queries, labels = [], set()
    for entry in distinct.values():
        frame, times = warm_timings(lambda: store.run(entry["name"], **entry["params"]), repeat)
        label = query_label(entry["name"], entry["params"])
        if label in labels:  # same question on other dates: keep labels unique
            label += f" #{sum(1 for q in queries if q['label'].split(' #')[0] == label) + 1}"
        labels.add(label)
        queries.append({"label": label, "name": entry["name"],
                        "params": {k: jsonable(v) for k, v in entry["params"].items()}, "pages": entry["pages"],
                        "rows": len(frame), "value_sum_total": _value_total(frame), **summary(times)})
    store.close()
    return queries


def _value_total(frame) -> float | None:
    if "value_sum" in frame.columns:
        return float(frame["value_sum"].fillna(0).sum())
    return None
