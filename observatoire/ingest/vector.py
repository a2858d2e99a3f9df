"""Vectorised screening of cells: which cells are certainly valid, and their values, for a whole column at once.

The per-row checks of checks.py stay the reference: a row that is not certainly valid here (an empty value, a
percentage, a sign, a formula, an unknown code, a rate above its denominator…) is judged by them, so every
message is the same as before; only the clean rows, nearly all of a real file, skip the Python loop.
Values are parsed once per distinct cell text (dictionary encoding), so repeated values cost nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from observatoire.ingest.text import FORMULA_START, MAX_MAGNITUDE, NotANumber, parse_number


def byte_set(values) -> np.ndarray:
    """A 256-entry membership table: table[first_bytes(x)] is np.isin(first_bytes(x), values), 10 x faster."""
    table = np.zeros(256, dtype=bool)
    table[np.asarray(values, dtype=np.uint8)] = True
    return table


FORMULA_BYTES = byte_set([ord(c) for c in FORMULA_START])
PYTHON_UNIQUES = 20_000  # below this many distinct texts, parse them with parse_number itself


def as_array(values) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.type == pa.large_string():
        values = values.cast(pa.string())
    return values


def _edge_bytes(values, last: bool) -> np.ndarray:
    """The first (or last) byte of each string (0 for an empty one), without building Python strings."""
    values = as_array(values)
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.uint8)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[values.offset: values.offset + n + 1]
    data_buffer = values.buffers()[2]
    if data_buffer is None or data_buffer.size == 0:
        return np.zeros(n, dtype=np.uint8)
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    at = offsets[1:] - 1 if last else offsets[:-1].copy()
    np.minimum(at, len(data) - 1, out=at)
    np.maximum(at, 0, out=at)
    edge = data[at]
    edge[offsets[1:] == offsets[:-1]] = 0
    return edge


def first_bytes(values: pa.Array) -> np.ndarray:
    """The first byte of each string (0 for an empty one), without building Python strings."""
    return _edge_bytes(values, last=False)


def last_bytes(values: pa.Array) -> np.ndarray:
    """The last byte of each string (0 for an empty one)."""
    return _edge_bytes(values, last=True)


def formula_candidates(values: pa.Array) -> np.ndarray:
    """Cells that may be formulas (first character = @ + -); formula_risk() decides for these few."""
    return FORMULA_BYTES[first_bytes(values)]


def is_empty(values: pa.Array) -> np.ndarray:
    return (pc.binary_length(as_array(values)).to_numpy(zero_copy_only=False) == 0)


def _parse_python(texts: list[str], decimal: str) -> tuple[np.ndarray, np.ndarray]:
    out = np.zeros(len(texts))
    ok = np.zeros(len(texts), dtype=bool)
    for i, text in enumerate(texts):
        if text.endswith("%"):
            continue  # a percentage is judged row by row (make_fact)
        try:  # cleared only when every kind of column reads it the same (else make_fact judges it by its kind)
            out[i] = parse_number(text, decimal, "count")
            ok[i] = parse_number(text, decimal, "decimal") == out[i]
        except NotANumber:
            pass
    return out, ok


def _parse_distinct(texts: pa.Array, decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """parse_number() over distinct texts: vectorised for plain shapes (123, 12,5, 1.234), Python for the rest."""
    n = len(texts)
    if n <= PYTHON_UNIQUES:
        return _parse_python(texts.to_pylist(), decimal)
    other = "." if decimal == "," else ","
    values = np.zeros(n)
    ok = np.zeros(n, dtype=bool)
    digits = pc.ascii_is_decimal(texts).to_numpy(zero_copy_only=False)
    plain = texts.filter(pa.array(digits))
    values[digits] = pc.cast(plain, pa.float64()).to_numpy()
    ok[digits] = True
    rest = ~digits
    for mark in (decimal, other):
        count = pc.count_substring(texts, mark).to_numpy(zero_copy_only=False)
        removed = pc.ascii_is_decimal(pc.replace_substring(texts, mark, "")).to_numpy(zero_copy_only=False)
        one = rest & (count == 1) & removed
        if not one.any():
            continue
        chosen = texts.filter(pa.array(one))
        text = pc.replace_substring(chosen, mark, ".")
        values[one] = pc.cast(text, pa.float64()).to_numpy()
        ok[one] = True
        if mark == other:  # 1.5 or 1234.5 is a decimal; 1.234 may group thousands: left to the per-row rules
            position = pc.find_substring(chosen, mark).to_numpy(zero_copy_only=False)
            after = pc.binary_length(chosen).to_numpy(zero_copy_only=False) - position - 1
            lead = pc.starts_with(chosen, "0").to_numpy(zero_copy_only=False)
            ambiguous = (position >= 1) & (position <= 3) & (after == 3) & ~lead
            ok[np.flatnonzero(one)[ambiguous]] = False
        rest &= ~one
    leftover = np.flatnonzero(rest)
    if len(leftover):
        parsed, parsed_ok = _parse_python(texts.take(pa.array(leftover)).to_pylist(), decimal)
        values[leftover] = parsed
        ok[leftover] = parsed_ok
    with np.errstate(invalid="ignore", over="ignore"):
        ok &= np.isfinite(values) & (np.abs(values) <= MAX_MAGNITUDE)
    values[~ok] = 0.0  # refused cells are judged row by row; no infinity reaches the screen's arithmetic
    return values, ok


def parse_numbers(cells: pa.Array, decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """(values, ok) for a column of stripped texts; ok is False for empty cells, percentages and non-numbers."""
    encoded = pc.dictionary_encode(as_array(cells))
    values, ok = _parse_distinct(encoded.dictionary, decimal)
    index = encoded.indices.to_numpy(zero_copy_only=False)
    return values[index], ok[index]


def map_distinct(cells: pa.Array, function, missing=None, dtype=object) -> np.ndarray:
    """function(text) applied once per distinct text; an array (of `dtype`) aligned with `cells`."""
    encoded = pc.dictionary_encode(as_array(cells))
    mapped = np.array([function(t) for t in encoded.dictionary.to_pylist()] + [missing], dtype=dtype)
    return mapped[encoded.indices.to_numpy(zero_copy_only=False)]


def map_text(cells: pa.Array, function) -> pa.DictionaryArray:
    """function(text) -> str or None, applied once per distinct text: the cells dictionary-encoded, with the
    results as dictionary (None -> a null entry)."""
    encoded = pc.dictionary_encode(as_array(cells))
    mapped = pa.array([function(t) for t in encoded.dictionary.to_pylist()], pa.string())
    return pa.DictionaryArray.from_arrays(encoded.indices, mapped)


def encode(column) -> pa.DictionaryArray:
    """A text column (pandas or Arrow) dictionary-encoded, as fact_keys() takes it; an encoded one as is."""
    if isinstance(column, pa.DictionaryArray):
        return column
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not isinstance(column, pa.Array):
        column = pa.array(column, from_pandas=True)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = column.cast(pa.string())
    return pc.dictionary_encode(column)


def fact_keys(*parts: tuple) -> list[np.ndarray]:
    """One int64 key per (indicator, level, entity), comparable across the given parts (each a tuple of the
    three columns: pandas, Arrow, or already encoded by encode()): each part's column is encoded once, then
    the parts' dictionaries (small) are encoded together, and the key is a mixed-radix number."""
    sizes = [len(p[0]) for p in parts]
    key = np.zeros(sum(sizes), dtype=np.int64)
    for c in range(3):
        encoded = [encode(p[c]) for p in parts]
        joint = pc.dictionary_encode(pa.concat_arrays([e.dictionary.cast(pa.string()) for e in encoded]))
        remap = joint.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        codes, at = [], 0
        for e in encoded:
            codes.append(remap[at: at + len(e.dictionary)][e.indices.to_numpy(zero_copy_only=False)])
            at += len(e.dictionary)
        key = key * (len(joint.dictionary) + 1) + (np.concatenate(codes) if len(codes) > 1 else codes[0])
    return np.split(key, np.cumsum(sizes)[:-1])


class FactKeys:
    """One int64 key per fact (indicator, level, entity), and the keys of other facts in the same numbering
    (-1 for a fact holding a value none of these facts has): one hash of the other facts' columns, no joint
    encoding of both."""

    def __init__(self, columns):
        self.dictionaries, self.codes = [], []
        for column in columns:
            encoded = encode(column)
            # The dictionary may repeat a value (upper-cased UAIs) or hold nulls (cells the screen refused).
            canonical = pc.dictionary_encode(encoded.dictionary.cast(pa.string()))
            remap = canonical.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
            self.dictionaries.append(canonical.dictionary)
            self.codes.append(remap[encoded.indices.to_numpy(zero_copy_only=False)])
        self.keys = self._combine(self.codes)
        self._index = None

    def _combine(self, codes) -> np.ndarray:
        key = np.zeros(len(codes[0]), dtype=np.int64)
        for dictionary, code in zip(self.dictionaries, codes):
            key = key * (len(dictionary) + 1) + code
        return key

    @property
    def index(self) -> pd.Index:
        if self._index is None:
            self._index = pd.Index(self.keys)
        return self._index

    def take(self, rows: np.ndarray) -> FactKeys:
        kept = object.__new__(FactKeys)
        kept.dictionaries, kept.codes = self.dictionaries, [c[rows] for c in self.codes]
        kept.keys, kept._index = self.keys[rows], None
        return kept

    def sort_order(self) -> np.ndarray:
        """The facts' positions sorted by indicator, level and entity texts (byte order, as the snapshot
        writer sorts them): integer ranks instead of string comparisons."""
        key = np.zeros(len(self.keys), dtype=np.int64)
        for dictionary, code in zip(self.dictionaries, self.codes):
            rank = pc.rank(dictionary, sort_keys="ascending", tiebreaker="dense")  # nulls (unused) last
            key = key * (len(dictionary) + 1) + rank.to_numpy(zero_copy_only=False).astype(np.int64)[code]
        return np.argsort(key, kind="stable")

    def present(self, column: int) -> pa.Array:
        """The distinct values of one of the three columns."""
        counts = np.bincount(self.codes[column], minlength=len(self.dictionaries[column]))
        return self.dictionaries[column].take(pa.array(np.flatnonzero(counts)))

    def of(self, columns) -> np.ndarray:
        codes, missing = [], None
        for dictionary, column in zip(self.dictionaries, columns):
            encoded = encode(column)
            at = pc.index_in(encoded.dictionary.cast(pa.string()), value_set=dictionary)
            code = at.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)[
                encoded.indices.to_numpy(zero_copy_only=False)]
            missing = code < 0 if missing is None else missing | (code < 0)
            codes.append(code)
        key = self._combine(codes)
        key[missing] = -1
        return key


def lookup(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """Position of each needle in `haystack` (int64 keys), or -1: a hash table (pandas' khash) when the keys
    are unique, as a snapshot's are; else a sort and a binary search."""
    if not len(haystack):
        return np.full(len(needles), -1, dtype=np.int64)
    index = pd.Index(haystack)
    if index.is_unique:
        return index.get_indexer(needles).astype(np.int64, copy=False)
    order = np.argsort(haystack, kind="stable")
    ordered = haystack[order]
    position = np.minimum(np.searchsorted(ordered, needles), len(ordered) - 1)
    return np.where(ordered[position] == needles, order[position], -1)
