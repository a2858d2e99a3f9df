"""What the parsers read an import against (roadmap, territory, known sites, snapshot date) and collect into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import pyarrow as pa

from observatoire.model.catalog import Catalog
from observatoire.model.territory import Territory
from observatoire.ingest.problems import Collector


@dataclass
class ParseContext:
    catalog: Catalog
    territory: Territory
    sites: dict[str, int]  # known UAI -> degree
    snapshot: date | None
    problems: Collector
    facts: list[dict] = field(default_factory=list)  # facts of the per-row parsers (ENT, Pix)
    frames: list[pd.DataFrame] = field(default_factory=list)  # facts of the vectorised parsers (long, wide)
    codes: list[tuple | None] = field(default_factory=list)  # per frame: its key columns dictionary-encoded, or None
    site_codes: pa.Array | None = None  # the keys of `sites` as Arrow strings, when known (else built from the dict)
