"""A file's cells as text, by column, with each row's line in the file; and records cut into such columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from observatoire.ingest.problems import Collector, column_letter
from observatoire.ingest.text import normalise_name
from observatoire.ingest.vector import as_array, byte_set, first_bytes, last_bytes

# Bytes that may start or end a cell with a space (UTF-8: the lead bytes of U+00A0 and U+2000-U+3000 spaces, and
# the continuation bytes that end them).


SPACE_BYTES = byte_set([*b" \t\r\n\x0b\x0c", 0xC2, 0xE1, 0xE2, 0xE3, 0xA0, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
                       0x88, 0x89, 0x8A, 0xA8, 0xA9, 0xAF, 0x9F])


HEADER_SCAN = 30  # non-empty rows looked at to find the header below title rows
Recogniser = Callable[[list[str]], bool]  # normalised header names -> is this a header we can read?


@dataclass
class RawTable:
    """A file's cells as text, by column; `lines[i]` is the line (CSV) or row (XLSX) number of row i."""

    name: str
    header: list[str]
    columns: list[pa.Array]  # one stripped string array per header column, no nulls
    lines: np.ndarray
    header_line: int = 1
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)  # every sheet of the workbook (XLSX)
    keys: list[str] = field(default_factory=list)  # normalised header names
    _rows: list[list[str]] | None = field(default=None, repr=False)

    def __post_init__(self):
        self.keys = [normalise_name(h) for h in self.header]
        self.lines = np.asarray(self.lines, dtype=np.int64)
        self._names = [f"{column_letter(i)} « {h} »" for i, h in enumerate(self.header)]

    @property
    def n_rows(self) -> int:
        return len(self.lines)

    @property
    def rows(self) -> list[list[str]]:
        """Row by row (built on first use; the per-row parsers of small exports use it)."""
        if self._rows is None:
            self._rows = [list(r) for r in zip(*(c.to_pylist() for c in self.columns))] if self.columns else []
        return self._rows

    def index(self, key: str) -> int | None:
        return self.keys.index(key) if key in self.keys else None

    def column(self, index: int) -> str:
        """How a message names a column: its spreadsheet letter and its header as written."""
        return self._names[index]

    @property
    def decimal(self) -> str:
        """The file's decimal mark: a point for XLSX numbers and ','-separated CSV, else the French comma.

        The other mark is still read as a decimal unless it groups digits by three (1.234 or 1,234).
        """
        return "." if self.separator in (",", None) else ","


def trim_header(header: list[str]) -> list[str]:
    header = [h.strip() for h in header]
    while header and not header[-1]:
        header.pop()
    return header


def table_from_records(name, header, records: pa.ListArray, numbers: np.ndarray, header_line: int, problems: Collector,
                       encoding, separator, sheet=None, sheets=None) -> RawTable:
    """Check the field count of each record (extra empty fields are dropped) and cut the records into columns."""
    n = len(header)
    lengths = pc.list_value_length(records).to_numpy(zero_copy_only=False)
    ok = lengths == n
    over = np.flatnonzero(lengths > n)
    if len(over):
        extra = pc.list_slice(records.take(pa.array(over)), n, None)
        empty = pc.equal(pc.utf8_trim_whitespace(pc.binary_join(extra, "")), "").to_numpy(zero_copy_only=False)
        ok[over[empty]] = True
        for i in over[~empty]:
            cells = records[int(i)].as_py()
            first = next(c for c in range(n, len(cells)) if cells[c].strip())
            if separator is None:
                problems.error(name, int(numbers[i]), column_letter(first), "valeur hors des colonnes nommées",
                               "Donnez un en-tête à cette colonne ou videz la cellule", kind="fields")
            else:
                while not cells[-1].strip():
                    cells.pop()
                problems.error(name, int(numbers[i]), column_letter(first),
                               f"{len(cells)} champs au lieu de {n} (séparateur « {separator} ») : « {cells[first][:40]} » "
                               "dans une colonne sans en-tête",
                               "Vérifiez les guillemets et les séparateurs de cette ligne (une valeur contenant "
                               f"« {separator} » doit être entre guillemets), ou donnez un en-tête à cette colonne",
                               kind="fields")
    for i in np.flatnonzero(lengths < n):
        problems.error(name, int(numbers[i]), None, f"{int(lengths[i])} champs au lieu de {n} (séparateur « {separator} »)",
                       "Vérifiez les guillemets et les séparateurs de cette ligne : une valeur contenant "
                       f"« {separator} » doit être entre guillemets", kind="fields")
    good = records if ok.all() else records.filter(pa.array(ok))
    if len(over):
        good = pc.list_slice(good, 0, n)
    columns = [strip_cells(pc.list_element(good, i)) for i in range(n)] if len(good) else \
        [pa.array([], pa.string()) for _ in range(n)]
    return RawTable(name, header, columns, numbers[ok], header_line, encoding, separator, sheet, sheets or [])


def strip_cells(cells) -> pa.Array:
    """Cells without surrounding spaces (also non-breaking ones); trimmed only if some cell needs it."""
    cells = as_array(cells)
    if SPACE_BYTES[first_bytes(cells)].any() or SPACE_BYTES[last_bytes(cells)].any():
        cells = pc.utf8_trim_whitespace(cells)
    return cells
