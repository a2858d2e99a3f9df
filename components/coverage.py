"""The carte's coverage panel: a service's coverage per isolation class as a French table, and the gap between
the extreme classes with its change. They take coverage_by_group rows (with shares); the page fetches them."""

from __future__ import annotations

import pandas as pd

from observatoire.metrics.coverage import isolation_gap
from observatoire.output.numbers import format_number, format_percent, format_points


def coverage_table(now: pd.DataFrame, isolation_labels: dict[str, str]) -> pd.DataFrame:
    """One row per isolation class present at the snapshot, in the territory's order."""
    order = [c for c in isolation_labels if c in set(now["group_id"])]
    rows = now.set_index("group_id").loc[order]
    return pd.DataFrame({
        "Classe": [isolation_labels[c] for c in order],
        "Couverts": [f"{format_number(r.sites_covered)} sur {format_number(r.sites_total)}"
                     for r in rows.itertuples()],
        "Part des établissements": [format_percent(v) for v in rows["sites_covered_share"]],
        "Part des élèves": [format_percent(v) for v in rows["pupils_covered_share"]],
    })


def coverage_gap(coverage: pd.DataFrame, urban: str, isolated: str) -> tuple[pd.DataFrame, str, str | None]:
    """(gap per snapshot, the latest gap in points, its change since the previous snapshot or None)."""
    gaps = isolation_gap(coverage, low=isolated, high=urban)
    gap_now = gaps["gap"].iloc[-1] if len(gaps) else None
    previous = gaps["gap"].iloc[-2] if len(gaps) > 1 else None
    change = None if previous is None or pd.isna(previous) or pd.isna(gap_now) else gap_now - previous
    shown = format_points(gap_now) if gap_now is not None and not pd.isna(gap_now) else "—"
    return gaps, shown, format_points(change).replace("−", "-") if change is not None else None
