"""Deterministic demo data: fictitious sites placed in their communes, monthly snapshots of every indicator.

Every number here is invented; the data directory's manifest says so (`"demo": true`) and every page
shows the demo label while it is in use.
"""

from __future__ import annotations

import json
import shutil
import tomllib
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from observatoire import __version__
from observatoire.model import geo
from observatoire.model.catalog import Catalog, Indicator, load_catalog
from observatoire.errors import ValidationError
from observatoire.model.dates import school_year
from observatoire.settings import requested_territory, territory_folder, territory_id
from observatoire.storage.snapshots import SNAPSHOTS, list_snapshots, write_snapshot
from observatoire.model.territory import Territory, load_territory
from observatoire.model.uai import make_uai

DEFAULT_SEED = 20240901
# Bump when the generator's output changes: `observatoire bench` rebuilds its cached datasets then.
GENERATOR_VERSION = 3  # 2: snapshot row groups of 64 Ki rows; 3: counts below 1 per entity rounded by chance
FIRST_SNAPSHOT = date(2023, 9, 30)
MONTHS = 24
SCALES = {"guyane": 1, "academie": 30, "national": 256}
TYPE_NAMES = {"ecole": "École fictive", "college": "Collège fictif", "lycee": "Lycée fictif"}
# Monthly weights of a school year, September first.
SEASONS = {
    "none": [1.0] * 12,
    "ent": [1.0] * 10 + [0.25, 0.1],
    "spring": [0.15, 0.15, 0.15, 0.15, 0.2, 0.3, 2.0, 2.5, 2.5, 1.5, 0.0, 0.0],
    "events": None,
}
SUMMER_DROP = [1.0] * 10 + [0.35, 0.2]


@dataclass(frozen=True)
class Profile:
    per: str = "site"
    end_value: float = 1.0
    start_ratio: float = 0.6
    season: str = "none"
    isolation_penalty: float = 0.4
    missing: float = 0.03
    denominator: str = "pupils"
    denominator_per: float = 1.0
    start_month: str | None = None


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


def snapshot_dates(first: date = FIRST_SNAPSHOT, months: int = MONTHS) -> list[date]:
    """Month-end dates: 30 Sept 2023, 31 Oct 2023, … 31 Aug 2025."""
    out = []
    year, month = first.year, first.month
    for _ in range(months):
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        out.append(date.fromordinal(nxt.toordinal() - 1))
        year, month = nxt.year, nxt.month
    return out


def _rng(seed: int, *keys) -> np.random.Generator:
    """A generator that depends only on the seed and the keys, whatever the order of the calls."""
    salt = zlib.crc32("|".join(map(str, keys)).encode())
    return np.random.default_rng([seed, salt])


def load_profiles(path: Path, catalog: Catalog) -> dict[str, Profile]:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8")) if Path(path).exists() else {}
    return {ind.id: Profile(**raw.get(ind.id, {})) for ind in catalog.indicators}


class _Shape:
    """A (Multi)Polygon ready for many point-in-polygon tests: geo.contains's rule, edges as numpy arrays."""

    def __init__(self, geometry: dict):
        self.geometry = geometry
        self.polygons = []
        for polygon in geo._rings(geometry):
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
    rng = _rng(seed, "sites")
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


def _progress(profile: Profile, month_index: int) -> float:
    """Share of the year-end value reached at the end of month `month_index` (0 = September)."""
    if profile.season == "events":
        steps = [2, 6, 9]  # November, March, June
        return sum(month_index >= s for s in steps) / len(steps)
    weights = SEASONS.get(profile.season) or SEASONS["none"]
    return sum(weights[: month_index + 1]) / sum(weights)


def _entities(ind: Indicator, sites: pd.DataFrame, territory: Territory) -> pd.DataFrame:
    """Entities an indicator is measured on, with their size and isolation class."""
    if ind.level == "site":
        chosen = sites
        if ind.scope == "1d":
            chosen = sites[sites["degree"] == 1]
        elif ind.scope == "2d":
            chosen = sites[sites["degree"] == 2]
        return pd.DataFrame({"entity_id": chosen["uai"].to_numpy(), "isolation": chosen["isolation"].to_numpy(),
                             "pupils": chosen["pupils"].to_numpy(dtype=float)})
    if ind.level == "commune":
        c = territory.communes
        size = (c["population"] / c["population"].median()) ** 0.5
        return pd.DataFrame({"entity_id": c["insee"].to_numpy(), "isolation": c["isolation"].to_numpy(),
                             "pupils": size.clip(0.3, 3).to_numpy(dtype=float)})
    first_class = territory.isolation[0].id
    return pd.DataFrame({"entity_id": [territory.academie_code], "isolation": [first_class], "pupils": [1.0]})


def _round_count(values: np.ndarray, offset: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
    """Whole counts: the nearest integer from 1 up; where the expected count `base` (values before noise) is
    below 1, 1 with that probability (floor(base + offset)), so the month-to-month noise cannot flip it."""
    base = values if base is None else base
    return np.where(base < 1, np.floor(base + offset), np.round(values))


def indicator_facts(ind: Indicator, profile: Profile, entities: pd.DataFrame, days: list[date], seed: int,
                    classes: list[str]) -> list[pd.DataFrame]:
    """Facts of one indicator, one frame per snapshot date (possibly empty); `classes`: the territory's, in order."""
    n = len(entities)
    rng = _rng(seed, ind.id, "entity")
    # The first class (most urban) gets no penalty, the last one all of it, those in between a share.
    last = max(len(classes) - 1, 1)
    penalty = {c: profile.isolation_penalty * i / last for i, c in enumerate(classes)}
    iso = 1 - entities["isolation"].map(penalty).fillna(profile.isolation_penalty / 2).to_numpy()
    site_factor = rng.lognormal(0, 0.25 if ind.unit != "rate" else 0.15, n)
    # Each entity's own rounding offset: a count expected below 1 per entity (≈ 0,3 école recensée per école)
    # becomes 0 or 1 with that probability instead of always 0; fixed per entity, so a series stays monotonic.
    offset = _rng(seed, ind.id, "rounding").random(n)
    size = entities["pupils"].to_numpy()
    unit_size = {"pupil": size, "teacher": size / 15, "commune": size}.get(profile.per, np.ones(n))
    if ind.level == "academie":
        unit_size, iso, site_factor = np.ones(n), np.ones(n), np.ones(n)
    end_by_year = {}
    first_year = school_year(days[0])
    for day in days:
        year = school_year(day)
        if year not in end_by_year:
            end_by_year[year] = profile.start_ratio if year == first_year else 1.0
    start = date.fromisoformat(profile.start_month + "-01") if profile.start_month else None
    if profile.denominator == "fixed" or ind.level == "academie":  # an absolute size
        base_denominator = np.full(n, profile.denominator_per)
    else:
        base_denominator = profile.denominator_per * {
            "pupils": size, "teachers": size / 15, "accounts": size * 1.05, "respondents": np.maximum(size / 20, 5),
            "planned": np.full(n, 120.0), "storage": np.full(n, 500.0),
        }.get(profile.denominator, size)
    frames = []
    for day in days:
        if start and day < start:
            frames.append(pd.DataFrame())
            continue
        year = school_year(day)
        month_index = (day.month - 9) % 12
        years = list(end_by_year)
        level_end = end_by_year[year]
        level_prev = end_by_year[years[years.index(year) - 1]] if years.index(year) else profile.start_ratio * 0.7
        noise = _rng(seed, ind.id, day.isoformat())
        progress = _progress(profile, month_index)
        if ind.unit == "deliverable":
            values = np.full(n, 1.0 if month_index >= 6 or (ind.temporality == "state" and year != first_year) else 0.0)
            denominators = np.full(n, np.nan)
        elif ind.temporality == "cumulative" and ind.unit in ("count", "amount"):
            values = profile.end_value * level_end * progress * unit_size * iso * site_factor
            values = _round_count(values, offset) if ind.unit == "count" else np.round(values, -2)
            denominators = np.full(n, np.nan)
        else:
            level_value = level_prev + (level_end - level_prev) * (month_index + 1) / 12
            if profile.season == "ent":  # usage drops in July and August
                level_value *= SUMMER_DROP[month_index]
            jitter = noise.normal(1, 0.04, n)
            if ind.unit == "rate":
                rate = np.clip(profile.end_value * level_value * iso * site_factor * jitter, 0, 0.98)
                denominators = np.maximum(np.round(base_denominator), 1)
                values = np.round(rate * denominators)
            elif ind.unit == "score":
                values = np.round(profile.end_value * (0.85 + 0.15 * level_value) * iso ** 0.3 * jitter, 2)
                denominators = np.round(base_denominator * noise.uniform(0.8, 1.2, n))
            else:
                values = profile.end_value * level_value * unit_size * iso * site_factor
                values = _round_count(values * jitter, offset, values) if ind.unit == "count" \
                    else np.round(values * jitter, -2)
                denominators = np.full(n, np.nan)
        keep = np.ones(n, dtype=bool)
        if ind.level != "academie":
            # The most isolated class reports less (twice the missing values) when there are three classes or more.
            worst = classes[-1] if len(classes) > 2 else None
            missing = profile.missing * np.where(entities["isolation"].to_numpy() == worst, 2.0, 1.0)
            keep = noise.random(n) >= missing
        frames.append(pd.DataFrame({
            "indicator_id": ind.id, "entity_level": ind.level, "entity_id": entities["entity_id"].to_numpy()[keep],
            "value": values[keep].astype(float), "denominator": np.asarray(denominators, dtype=float)[keep],
        }))
    return frames


def build_demo(data_dir: Path, territory_name: str | None = None, seed: int = DEFAULT_SEED, scale: str = "guyane",
               months: int = MONTHS, force: bool = False) -> dict:
    """Write the demo data directory: reference/sites.parquet, one snapshot per month, manifest.json."""
    data_dir = Path(data_dir)
    manifest_path = data_dir / "manifest.json"
    existing = list_snapshots(data_dir)
    if existing:
        current = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
        if not current.get("demo"):
            raise FileExistsError(f"{data_dir} contient déjà des instantanés réels : la démo ne les remplace pas")
        if not force:
            raise FileExistsError(f"{data_dir} contient déjà des données de démonstration (option --force pour les régénérer)")
        shutil.rmtree(data_dir / SNAPSHOTS)
    # The territory asked for (--territory, OBSERVATOIRE_TERRITORY), else the data directory's, else the default.
    folder = territory_folder(data_dir, territory_name or requested_territory() or territory_id(data_dir))
    territory = load_territory(folder)
    catalog = load_catalog(territory.roadmap_file)
    profiles = load_profiles(folder / "demo.toml", catalog)
    multiplier = SCALES[scale]
    sites = build_sites(territory, seed, multiplier)
    classes = [c.id for c in territory.isolation]
    days = snapshot_dates(months=months)
    per_day: list[list[pd.DataFrame]] = [[] for _ in days]
    for ind in catalog.indicators:
        entities = _entities(ind, sites, territory)
        for i, frame in enumerate(indicator_facts(ind, profiles[ind.id], entities, days, seed, classes)):
            if len(frame):
                per_day[i].append(frame)
    (data_dir / "reference").mkdir(parents=True, exist_ok=True)
    tmp = data_dir / "reference" / ".sites.parquet.tmp"
    sites.to_parquet(tmp, index=False)
    tmp.replace(data_dir / "reference" / "sites.parquet")
    total = 0
    source = [{"name": "démonstration", "kind": "demo", "seed": seed}]
    for day, frames in zip(days, per_day):
        facts = pd.concat(frames, ignore_index=True)
        total += len(facts)
        write_snapshot(data_dir, day, facts, sources=source, extra={"demo": True})
    manifest = {
        "territory": territory.id, "demo": True, "seed": seed, "scale": scale,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "program_version": __version__, "generator_version": GENERATOR_VERSION, "sites": len(sites), "snapshots": len(days), "facts": total,
    }
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest
