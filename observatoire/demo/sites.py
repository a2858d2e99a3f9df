"""Fictitious sites of the demo: how many, where (inside their commune's boundary) and how big."""

from __future__ import annotations

import tomllib
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from observatoire.errors import ValidationError
from observatoire.model import geo
from observatoire.model.territory import Territory
from observatoire.model.uai import make_uai

DEFAULT_SEED = 20240901
TYPE_NAMES = {"ecole": "École fictive", "college": "Collège fictif", "lycee": "Lycée fictif"}


@dataclass(frozen=True)
class SitePlan:
    """How many fictitious sites, where and how big: the [sites] table of the territory's demo.toml."""

    counts: dict[str, int]                 # site type -> number of sites
    pupils: dict[int, int]                 # degree -> pupils in all
    per_commune: dict[str, dict[str, int]]  # "lycee"/"college" -> commune INSEE -> sites (optional)
    spread: dict[str, float]               # class id -> spread (degrees) of the sites around their commune's point


def load_site_plan(path: Path) -> SitePlan:
    """Read [sites] from demo.toml; say in French what is missing."""
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("sites") if Path(path).exists() else None
    if not raw or not {"counts", "pupils"} <= set(raw):
        raise ValidationError(str(path), ["table [sites] absente ou incomplète (counts et pupils obligatoires)"])
    counts = {t: int(raw["counts"].get(t, 0)) for t in TYPE_NAMES}
    return SitePlan(counts=counts, pupils={int(k): int(v) for k, v in raw["pupils"].items()},
                    per_commune={"lycee": dict(raw.get("lycees", {})), "college": dict(raw.get("colleges", {}))},
                    spread=dict(raw.get("spread", {})))


def _by_weight(weights: pd.Series, total: int) -> dict[str, int]:
    """`total` split in proportion to `weights` (largest remainders), communes with none left out."""
    if total <= 0 or weights.sum() <= 0:
        return {}
    exact = weights / weights.sum() * total
    share = np.floor(exact).astype(int)
    for key in (exact - share).sort_values(ascending=False, kind="stable").index[: total - int(share.sum())]:
        share[key] += 1
    return {k: int(v) for k, v in share.items() if v > 0}


def rng_for(seed: int, *keys) -> np.random.Generator:
    """A generator that depends only on the seed and the keys, whatever the order of the calls."""
    salt = zlib.crc32("|".join(map(str, keys)).encode())
    return np.random.default_rng([seed, salt])


class _Shape:
    """A (Multi)Polygon ready for many point-in-polygon tests: geo.contains's rule, edges as numpy arrays."""

    def __init__(self, geometry: dict):
        self.geometry = geometry
        self.polygons = []
        for polygon in geo.polygons(geometry):
            rings = []
            for ring in polygon:
                xy = np.asarray(ring, dtype=float)[:, :2]
                rings.append((xy[:, 0], xy[:, 1], np.roll(xy[:, 0], 1), np.roll(xy[:, 1], 1)))
            self.polygons.append(rings)

    @staticmethod
    def _in_ring(lon: float, lat: float, ring) -> bool:
        xi, yi, xj, yj = ring
        with np.errstate(divide="ignore", invalid="ignore"):
            crosses = ((yi > lat) != (yj > lat)) & (lon < (xj - xi) * (lat - yi) / (yj - yi) + xi)
        return bool(np.count_nonzero(crosses) % 2)

    def contains(self, lon: float, lat: float) -> bool:
        for rings in self.polygons:
            if self._in_ring(lon, lat, rings[0]) and not any(self._in_ring(lon, lat, h) for h in rings[1:]):
                return True
        return False


def _place(rng: np.random.Generator, geometry: dict | _Shape, lat: float, lon: float, spread: float,
           near: bool = False) -> tuple[float, float]:
    """A point inside the shape, near the commune's point; `near`: never far from it (the shape is a département)."""
    shape = geometry if isinstance(geometry, _Shape) else _Shape(geometry)
    geometry = shape.geometry
    for _ in range(300):
        y, x = rng.normal(lat, spread), rng.normal(lon, spread)
        if shape.contains(x, y):
            return round(y, 5), round(x, 5)
    if near:
        return lat, lon
    min_x, min_y, max_x, max_y = geo.bounds(geometry)
    for _ in range(2000):
        y, x = rng.uniform(min_y, max_y), rng.uniform(min_x, max_x)
        if geo.contains(geometry, x, y):
            return round(y, 5), round(x, 5)
    return lat, lon


def _uai_prefix_of(territory: Territory) -> dict[str, str]:
    """commune INSEE -> the UAI prefix of its sites (its département's, when the territory lists several)."""
    prefixes = territory.uai_prefixes
    # A UAI prefix is the département on three digits: 973 for INSEE 973xx, 059 for INSEE 59xxx.
    heads = [(p, p[1:] if p.startswith("0") else p) for p in prefixes]
    return {insee: next((p for p, head in heads if insee.startswith(head)), prefixes[0])
            for insee in territory.communes["insee"]}


def build_sites(territory: Territory, seed: int = DEFAULT_SEED, scale: int = 1, plan: SitePlan | None = None) -> pd.DataFrame:
    """One row per fictitious site (écoles, collèges, lycées), isolated villages included."""
    plan = plan or load_site_plan(territory.folder / "demo.toml")
    rng = rng_for(seed, "sites")
    communes = territory.communes.set_index("insee")
    circ_of = territory.area_of_commune(territory.circonscriptions)
    bassin_of = territory.area_of_commune(territory.bassins)
    classes = [c.id for c in territory.isolation]
    # Smaller sites away from the first (most urban) class: x1 for the first, x0.7 for the second, x0.55 beyond.
    size_of_class = {c: (1.0, 0.7)[i] if i < 2 else 0.55 for i, c in enumerate(classes)}
    near = territory.boundaries_level == "zone"  # only départements are drawn: stay near the commune's point
    records = {r.insee: r for r in territory.communes.itertuples(index=False)}
    shapes: dict[int, _Shape] = {}
    rows = []

    def add(site_type: str, insee: str, name: str, lat: float, lon: float, isolation: str, access: str, pupils: float, village: str = ""):
        rows.append(dict(site_type=site_type, commune_code=insee, name=name, lat=lat, lon=lon,
                         isolation=isolation, access=access, pupils=pupils, village=village))

    # Collèges and lycées: the lists of demo.toml, else shared out by population.
    second = {t: dict(plan.per_commune[t]) or _by_weight(communes["population"].astype(float), plan.counts[t])
              for t in ("lycee", "college")}
    for rep in range(scale):
        suffix = f" {rep + 1}" if scale > 1 else ""
        # Isolated villages: an école of their own at their real place.
        for v in territory.villages.itertuples():
            add("ecole", v.commune, f"École fictive de {v.name}{suffix}", v.lat, v.lon, v.isolation, v.access,
                v.pupils * rng.uniform(0.9, 1.1), village=v.name)
        counts = {"lycee": dict(second["lycee"]), "college": dict(second["college"])}
        # Écoles: at least one per commune, the rest by population^0.7.
        remaining = plan.counts["ecole"] - len(territory.villages)
        weights = communes["population"] ** 0.7
        extra = np.floor(weights / weights.sum() * (remaining - len(communes))).astype(int)
        shortfall = remaining - len(communes) - int(extra.sum())
        for insee in weights.sort_values(ascending=False).index[:shortfall]:
            extra[insee] += 1
        counts["ecole"] = {insee: 1 + int(extra[insee]) for insee in communes.index}
        for site_type in ("ecole", "college", "lycee"):
            for insee, n in counts[site_type].items():
                c = records[insee]
                raw = territory.commune_geometry(insee)
                if id(raw) not in shapes:
                    shapes[id(raw)] = _Shape(raw)
                geometry = shapes[id(raw)]
                spread = plan.spread.get(c.isolation, 0.03 if c.isolation == classes[0] else 0.06)
                for k in range(n):
                    lat, lon = _place(rng, geometry, c.lat, c.lon, spread, near=near)
                    base = {"ecole": 260, "college": 750, "lycee": 1100}[site_type]
                    base *= size_of_class.get(c.isolation, 0.55)
                    add(site_type, insee, f"{TYPE_NAMES[site_type]} {c.name} {k + 1}{suffix}", lat, lon,
                        c.isolation, c.access, base * rng.lognormal(0, 0.25))
    sites = pd.DataFrame(rows)
    sites["degree"] = np.where(sites["site_type"] == "ecole", 1, 2)
    for degree, total in plan.pupils.items():
        mask = sites["degree"] == degree
        sites.loc[mask, "pupils"] *= total * scale / sites.loc[mask, "pupils"].sum()
    sites["pupils"] = sites["pupils"].round().astype(int).clip(lower=12)
    sites = sites.sort_values(["degree", "site_type", "commune_code", "name"], kind="stable").reset_index(drop=True)
    if scale == 1:
        # UAI = the prefix of the site's département, then a number counted within it.
        prefix_of = _uai_prefix_of(territory)
        prefixes = sites["commune_code"].map(prefix_of)
        rank = prefixes.groupby(prefixes).cumcount()
        numbers = [int(p) * 10 ** (7 - len(p)) + 1000 + r for p, r in zip(prefixes, rank)]
    else:
        numbers = [1_000_000 + i for i in range(len(sites))]
    sites.insert(0, "uai", [make_uai(n) for n in numbers])
    # Circonscriptions (1st degree) and bassins (2nd degree): a demo split, alternating where a commune has two.
    area, seen = [], {}
    for row in sites.itertuples():
        choices = circ_of[row.commune_code] if row.degree == 1 else bassin_of[row.commune_code]
        key = (row.degree, row.commune_code)
        area.append(choices[seen.get(key, 0) % len(choices)])
        seen[key] = seen.get(key, 0) + 1
    sites["circonscription_code"] = [a if d == 1 else None for a, d in zip(area, sites["degree"])]
    sites["bassin_code"] = [a if d == 2 else None for a, d in zip(area, sites["degree"])]
    sites["sector"] = "public"
    private = sites.index[sites["site_type"] == "lycee"][:3]
    sites.loc[private, "sector"] = "privé"
    sites["education_prioritaire"] = np.where(rng.random(len(sites)) < 0.35, "REP", "")
    sites["is_open"] = True
    sites["is_demo"] = True
    return sites[["uai", "name", "site_type", "degree", "sector", "commune_code", "circonscription_code",
                  "bassin_code", "isolation", "access", "village", "lat", "lon", "pupils",
                  "education_prioritaire", "is_open", "is_demo"]]
