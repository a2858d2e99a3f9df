"""The vectorised screen of the long and wide formats: the rows it clears become facts column by column; the
rows it does not clear go through the per-row rules of checks.py, which give every message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from observatoire.model.catalog import Indicator
from observatoire.ingest import vector
from observatoire.ingest.checks import check_formulas, site_code
from observatoire.ingest.parse_context import ParseContext
from observatoire.ingest.raw_table import RawTable
from observatoire.ingest.text import normalise_name
from observatoire.ingest.vector import parse_numbers

LEVEL_CODES = {"site": 0, "commune": 1, "academie": 2}


def indicator_arrays(inds: list[Indicator | None]) -> dict[str, np.ndarray]:
    """Per-indicator properties as arrays (index = position in `inds`; None = unknown indicator)."""
    def prop(f, default):
        return np.array([f(i) if i is not None else default for i in inds])
    return {"level": prop(lambda i: LEVEL_CODES[i.level], -1),
            "ratio": prop(lambda i: i.rollup in ("ratio", "weighted_mean"), False),
            "rate": prop(lambda i: i.rollup in ("ratio", "weighted_mean") and i.unit == "rate", False),
            "count": prop(lambda i: i.rollup not in ("ratio", "weighted_mean") and i.unit == "count", False),
            "deliverable": prop(lambda i: i.rollup not in ("ratio", "weighted_mean") and i.unit == "deliverable", False)}


def screen_values(props: dict[str, np.ndarray], code: np.ndarray, value_cells, den_cells, decimal: str):
    """(ok, value, denominator) of cells whose indicator is `code` (index into props): ok means make_fact would
    accept the cells and give exactly these numbers. Anything unusual is left to make_fact."""
    value, ok = parse_numbers(value_cells, decimal)
    if den_cells is not None:
        den, den_ok = parse_numbers(den_cells, decimal)
        den_empty = vector.is_empty(den_cells)
        den = np.where(den_empty, np.nan, den)
        ok &= den_ok | den_empty
    else:
        den = np.full(len(value), np.nan)
    ratio, rate = props["ratio"][code], props["rate"][code]
    ok &= (value >= 0) & ~(den < 0)
    ok &= ~ratio | ~np.isnan(den)
    ok &= ~rate | ((value <= den) & ~((den == 0) & (value > 0)))
    ok &= ~props["count"][code] | (np.mod(value, 1) == 0)
    ok &= ~props["deliverable"][code] | (value == 0) | (value == 1)
    den = np.where(ratio, den, np.nan)
    return ok, value, den


def screen_entities(level: str, cells, ctx: ParseContext) -> pa.DictionaryArray:
    """The entity id of each cell when check_entity would accept it silently, else null (dictionary-encoded:
    the keys of the facts reuse it)."""
    t = ctx.territory
    if level == "site":
        known = ctx.sites
        encoded = pc.dictionary_encode(vector.as_array(cells))
        upper = pc.utf8_upper(encoded.dictionary)
        codes = ctx.site_codes if ctx.site_codes is not None else pa.array(list(known), pa.string())
        member = pc.is_in(upper, value_set=codes)
        others = np.flatnonzero(~member.to_numpy(zero_copy_only=False))
        if len(others):  # lower case was handled; spaces inside, unknown or malformed codes
            codes = [site_code(text) for text in upper.take(pa.array(others)).to_pylist()]
            fixed = pa.array([code if code in known else None for code in codes], pa.string())
            upper = pc.replace_with_mask(upper, pc.invert(member), fixed)
        return pa.DictionaryArray.from_arrays(encoded.indices, upper)
    if level == "commune":
        codes = set(t.communes["insee"])
        return vector.map_text(cells, lambda v: v if v in codes else None)
    names = (normalise_name(t.academie_name), normalise_name(t.name))
    return vector.map_text(cells, lambda v: t.academie_code if (not v or v == t.academie_code or normalise_name(v) in names)
                           else None)


def valid_mask(entity: pa.DictionaryArray) -> np.ndarray:
    return entity.dictionary.is_valid().to_numpy(zero_copy_only=False)[entity.indices.to_numpy(zero_copy_only=False)]


def decoded(entity: pa.DictionaryArray) -> pa.Array:
    return entity.dictionary.take(entity.indices)


def facts_frame(ctx: ParseContext, table: RawTable, rows: np.ndarray, inds, level, entity: np.ndarray, value: np.ndarray,
                den: np.ndarray, column: str, order) -> pd.DataFrame:
    """The facts of the cleared rows, built as Arrow columns (no Python string per row)."""
    n = len(rows)

    def const(v: str) -> pa.Array:  # n times the same text, built from its bytes
        data = v.encode("utf-8")
        return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(np.arange(n + 1, dtype=np.int64) * len(data)),
                                                             pa.py_buffer(data * n)])

    def text(v) -> pa.Array:
        return const(v) if isinstance(v, str) else v
    frame = pa.table({"indicator_id": text(inds), "entity_level": text(level), "entity_id": entity,
                      "value": pa.array(value.astype(float)), "denominator": pa.array(den.astype(float), from_pandas=True),
                      "file": const(table.name), "line": pa.array(table.lines[rows]), "column": const(column),
                      "_order": pa.array(np.asarray(order, dtype=np.int64))})
    return frame.to_pandas()


SLOW_CHUNK = 20_000  # rows judged by the per-row rules at a time (their formulas first, then each row)


def slow_rows(table: RawTable, rows: np.ndarray, ctx: ParseContext, columns: list[int] | None = None):
    """(row index, cells, formula cells) of the given rows only, chunk by chunk, so that a file refused early
    (Collector.should_stop) is not turned into Python lists beyond what is read."""
    for start in range(0, len(rows), SLOW_CHUNK):
        part = rows[start:start + SLOW_CHUNK]
        index = pa.array(part)
        cells = [c.take(index).to_pylist() for c in table.columns]
        chunk = [(int(r), list(row)) for r, row in zip(part, zip(*cells))]
        bad = check_formulas(table, ctx, columns, rows=chunk)
        for r, row in chunk:
            yield r, row, bad
        if ctx.problems.errors_by_file.get(table.name, 0) < 0:  # reading stopped
            return


def finish(ctx: ParseContext, frames: list[pd.DataFrame], codes: tuple | None = None) -> None:
    """The facts of a table in file order; `codes` (the key columns of frames[0], encoded) are kept when they
    still describe the result: frames[0] alone, in order."""
    filled = [f for f in frames if len(f)]
    if not filled:
        return
    if len(filled) == 1 and filled[0]["_order"].is_monotonic_increasing:
        ctx.frames.append(filled[0].drop(columns="_order").reset_index(drop=True))
        ctx.codes.append(codes if filled[0] is frames[0] else None)
        return
    frame = pd.concat(filled, ignore_index=True)
    ctx.frames.append(frame.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True))
    ctx.codes.append(None)
