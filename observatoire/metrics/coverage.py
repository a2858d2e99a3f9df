"""Territorial coverage: which roadmap services reach a site, and the shares of sites and pupils reached.

A site is *covered* by a service when the service's indicator has a value above `threshold` for it at
the snapshot. Only open sites in the service's scope (1st degree, 2nd degree or all) count: Pix
certification is not expected of an école, so an école is neither covered nor uncovered by it.
The services are declared by each roadmap ([[services]] in roadmap.toml, site-level indicators only:
an indicator measured per commune cannot say which site is reached).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from observatoire.model.catalog import Catalog


@dataclass(frozen=True)
class Service:
    id: str
    label: str              # French, shown in the selector and the panel
    indicator_id: str       # a site-level indicator of the roadmap
    covered_when: str       # French wording of the rule, shown under the panel
    threshold: float = 0.0  # covered when value > threshold

    def degree(self, catalog: Catalog) -> int | None:
        """Degree the service concerns (1, 2) or None for every site."""
        return {"1d": 1, "2d": 2}.get(catalog.indicator(self.indicator_id).scope)


def services_for(catalog: Catalog) -> list[Service]:
    """The services the roadmap declares ([[services]] of roadmap.toml), in its order."""
    return [Service(s["id"], s["label"], s["indicator"], s["covered_when"], s["threshold"]) for s in catalog.services]


def service(service_id: str, catalog: Catalog | None = None) -> Service:
    """A service of `catalog`, by default the roadmap of the default territory (settings)."""
    if catalog is None:
        from observatoire.settings import BUNDLED_TERRITORIES, setting
        from observatoire.model.catalog import load_catalog
        catalog = load_catalog(BUNDLED_TERRITORIES / setting("territory") / "roadmap.toml")
    for item in services_for(catalog):
        if item.id == service_id:
            return item
    raise KeyError(service_id)


def query_params(svc: Service, catalog: Catalog) -> dict:
    """Bound parameters naming the service in queries/coverage_by_group.sql and site_points.sql."""
    return {"indicator_id": svc.indicator_id, "threshold": svc.threshold, "service_degree": svc.degree(catalog)}


def with_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Add sites_covered_share and pupils_covered_share (ratios of sums) to a coverage_by_group result."""
    out = frame.copy()
    out["sites_covered_share"] = out["sites_covered"] / out["sites_total"].where(out["sites_total"] > 0)
    out["pupils_covered_share"] = out["pupils_covered"] / out["pupils_total"].where(out["pupils_total"] > 0)
    return out


def isolation_gap(frame: pd.DataFrame, low: str = "isole", high: str = "urbain",
                  measure: str = "sites_covered_share") -> pd.DataFrame:
    """Per snapshot, the share of `low` minus the share of `high` (negative: isolated sites lag behind).

    `frame` is with_shares() of coverage_by_group by isolation; columns snapshot_date, gap (None when a
    class has no site in scope).
    """
    if frame.empty:
        return pd.DataFrame(columns=["snapshot_date", "gap"])
    wide = frame.pivot_table(index="snapshot_date", columns="group_id", values=measure, aggfunc="first")
    for col in (low, high):
        if col not in wide.columns:
            wide[col] = float("nan")
    gap = (wide[low] - wide[high]).rename("gap").reset_index()
    return gap.sort_values("snapshot_date").reset_index(drop=True)
