"""Monthly values of every indicator for the demo's sites, communes and académie, by each indicator's profile."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from observatoire.demo.sites import rng_for
from observatoire.model.catalog import Catalog, Indicator
from observatoire.model.dates import school_year
from observatoire.model.territory import Territory

FIRST_SNAPSHOT = date(2023, 9, 30)
MONTHS = 24
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
    # Links that keep the demo consistent (each names another indicator, generated first, same entities):
    site_types: tuple[str, ...] = ()     # only these site types (a 6e course: collèges only)
    requires: str | None = None          # a fact only where that indicator is above 0 at the same snapshot
    denominator_from: str | None = None  # a rate's denominator is that count, where it is above 0
    share_of: str | None = None          # a count that is `share` of that one (a part of it, or a superset)
    share: float = 1.0
    at_most: str | None = None           # never above that count (resources used <= resources assigned)

    @property
    def links(self) -> list[str]:
        return [i for i in (self.requires, self.denominator_from, self.share_of, self.at_most) if i]


def snapshot_dates(first: date = FIRST_SNAPSHOT, months: int = MONTHS) -> list[date]:
    """Month-end dates: 30 Sept 2023, 31 Oct 2023, … 31 Aug 2025."""
    out = []
    year, month = first.year, first.month
    for _ in range(months):
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        out.append(date.fromordinal(nxt.toordinal() - 1))
        year, month = nxt.year, nxt.month
    return out


def load_profiles(path: Path, catalog: Catalog) -> dict[str, Profile]:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8")) if Path(path).exists() else {}
    out = {}
    for ind in catalog.indicators:
        values = dict(raw.get(ind.id, {}))
        values["site_types"] = tuple(values.get("site_types", ()))
        out[ind.id] = Profile(**values)
    return out


def generation_order(catalog: Catalog, profiles: dict[str, Profile]) -> list[Indicator]:
    """The catalog's indicators, each after those its profile links to."""
    done: dict[str, Indicator] = {}

    def visit(ind: Indicator, path: tuple[str, ...]) -> None:
        if ind.id in done:
            return
        if ind.id in path:
            raise ValueError(f"demo.toml : liens circulaires entre {', '.join(path)}")
        for other in profiles[ind.id].links:
            visit(catalog.indicator(other), path + (ind.id,))
        done[ind.id] = ind

    for ind in catalog.indicators:
        visit(ind, ())
    return list(done.values())



def _progress(profile: Profile, month_index: int) -> float:
    """Share of the year-end value reached at the end of month `month_index` (0 = September)."""
    if profile.season == "events":
        steps = [2, 6, 9]  # November, March, June
        return sum(month_index >= s for s in steps) / len(steps)
    weights = SEASONS.get(profile.season) or SEASONS["none"]
    return sum(weights[: month_index + 1]) / sum(weights)


def measured_entities(ind: Indicator, sites: pd.DataFrame, territory: Territory,
                      profile: Profile | None = None) -> pd.DataFrame:
    """Entities an indicator is measured on, with their size and isolation class."""
    if ind.level == "site":
        chosen = sites
        if profile is not None and profile.site_types:
            chosen = sites[sites["site_type"].isin(profile.site_types)]
        elif ind.scope == "1d":
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


def _linked_values(frames: list[pd.DataFrame], i: int, ids: np.ndarray) -> np.ndarray:
    """The linked indicator's value of each entity at snapshot `i`, NaN where it did not report."""
    frame = frames[i]
    if not len(frame):
        return np.full(len(ids), np.nan)
    return pd.Series(frame["value"].to_numpy(), index=frame["entity_id"]).reindex(ids).to_numpy(dtype=float)


def indicator_facts(ind: Indicator, profile: Profile, entities: pd.DataFrame, days: list[date], seed: int,
                    classes: list[str], linked: dict[str, list[pd.DataFrame]] | None = None) -> list[pd.DataFrame]:
    """Facts of one indicator, one frame per snapshot date (possibly empty); `classes`: the territory's, in order;
    `linked`: the frames of the indicators the profile links to (see Profile)."""
    linked = linked or {}
    n = len(entities)
    ids = entities["entity_id"].to_numpy()
    rng = rng_for(seed, ind.id, "entity")
    # The first class (most urban) gets no penalty, the last one all of it, those in between a share.
    last = max(len(classes) - 1, 1)
    penalty = {c: profile.isolation_penalty * i / last for i, c in enumerate(classes)}
    iso = 1 - entities["isolation"].map(penalty).fillna(profile.isolation_penalty / 2).to_numpy()
    site_factor = rng.lognormal(0, 0.25 if ind.unit != "rate" else 0.15, n)
    # Each entity's own rounding offset: a count expected below 1 per entity (≈ 0,3 école recensée per école)
    # becomes 0 or 1 with that probability instead of always 0; fixed per entity, so a series stays monotonic.
    offset = rng_for(seed, ind.id, "rounding").random(n)
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
    floor, floor_year = np.zeros(n), None   # a cumulative value never falls within a school year
    for i, day in enumerate(days):
        if start and day < start:
            frames.append(pd.DataFrame())
            continue
        year = school_year(day)
        month_index = (day.month - 9) % 12
        years = list(end_by_year)
        level_end = end_by_year[year]
        level_prev = end_by_year[years[years.index(year) - 1]] if years.index(year) else profile.start_ratio * 0.7
        noise = rng_for(seed, ind.id, day.isoformat())
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
                if profile.denominator_from:   # users / activated accounts: no rate where no account
                    counts = _linked_values(linked[profile.denominator_from], i, ids)
                    denominators = np.where(counts > 0, counts, np.nan)
                values = np.round(rate * denominators)
            elif ind.unit == "score":
                values = np.round(profile.end_value * (0.85 + 0.15 * level_value) * iso ** 0.3 * jitter, 2)
                denominators = np.round(base_denominator * noise.uniform(0.8, 1.2, n))
            else:
                values = profile.end_value * level_value * unit_size * iso * site_factor
                values = _round_count(values * jitter, offset, values) if ind.unit == "count" \
                    else np.round(values * jitter, -2)
                denominators = np.full(n, np.nan)
        if profile.share_of:
            values = np.round(profile.share * _linked_values(linked[profile.share_of], i, ids))
        if profile.at_most:
            values = np.fmin(values, _linked_values(linked[profile.at_most], i, ids))
        if ind.temporality == "cumulative" and ind.unit in ("count", "amount", "rate"):
            if year != floor_year:
                floor, floor_year = np.zeros(n), year
            values = np.fmax(values, floor)
            floor = np.fmax(values, floor)
        keep = np.ones(n, dtype=bool)
        for other in (profile.requires, profile.denominator_from):
            if other:
                keep &= _linked_values(linked[other], i, ids) > 0
        if profile.share_of:
            keep &= ~np.isnan(_linked_values(linked[profile.share_of], i, ids))
        if ind.level != "academie":
            # The most isolated class reports less (twice the missing values) when there are three classes or more.
            worst = classes[-1] if len(classes) > 2 else None
            missing = profile.missing * np.where(entities["isolation"].to_numpy() == worst, 2.0, 1.0)
            keep &= noise.random(n) >= missing
        frames.append(pd.DataFrame({
            "indicator_id": ind.id, "entity_level": ind.level, "entity_id": entities["entity_id"].to_numpy()[keep],
            "value": values[keep].astype(float), "denominator": np.asarray(denominators, dtype=float)[keep],
        }))
    return frames
