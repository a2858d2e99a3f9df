"""Read a CSV or XLSX file into columns of text cells, remembering each row's line in the file.

A plain CSV file (UTF-8, no quote, the same number of fields on every line) is read by pyarrow.csv in one
pass (_read_csv_fast). Any other is split into lines and fields by pyarrow (vectorised, a few hundred ms
for 2 M lines); only lines with quotes go through Python's csv module, and a file whose quoted values span
several lines is read record by record. Both give the same cells and line numbers. Title rows above the header (a merged title, a "Source : …" line) are skipped: the
header is the first of the first rows that `recognise` accepts, else the first non-empty row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from observatoire.ingest.problems import Collector, column_letter
from observatoire.ingest.text import normalise_name
from observatoire.ingest.vector import as_array, byte_set, first_bytes, last_bytes

# First bytes of a line that may be blank, and bytes that may start or end a cell with a space (UTF-8: the
# lead bytes of U+00A0 and U+2000-U+3000 spaces, and the continuation bytes that end them).
BLANK_START = byte_set([0, *b" \t;,|\"\r\x0b\x0c", 0xC2, 0xE1, 0xE2, 0xE3])
SPACE_BYTES = byte_set([*b" \t\r\n\x0b\x0c", 0xC2, 0xE1, 0xE2, 0xE3, 0xA0, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
                       0x88, 0x89, 0x8A, 0xA8, 0xA9, 0xAF, 0x9F])

SEPARATORS = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}
XLSX_MAGIC = b"PK\x03\x04"
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


def read_table(path: Path, name: str, problems: Collector, max_bytes: int, sheet: str | None = None,
               recognise: Recogniser | None = None) -> RawTable | None:
    """Read the file; on a problem, record it (in French, with line and column) and return None."""
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        problems.error(name, None, None, f"le fichier pèse {size / 1e6:.1f} Mo, au-delà de la limite de {max_bytes / 1e6:.0f} Mo",
                       "Découpez-le (par exemple un fichier par mois ou par source) ou demandez à relever la limite "
                       "(réglage OBSERVATOIRE_IMPORT_MAX_MB)")
        return None
    data = path.read_bytes()
    if not data.strip():
        problems.error(name, None, None, "le fichier est vide", "Vérifiez que vous avez choisi le bon fichier, puis exportez-le à nouveau")
        return None
    recognise = recognise or (lambda keys: False)
    errors_before = len(problems.errors)
    if data.startswith(XLSX_MAGIC) or path.suffix.lower() in (".xlsx", ".xlsm"):
        table = _read_xlsx(data, name, problems, sheet, recognise)
    elif data.startswith(b"\xd0\xcf\x11\xe0") or path.suffix.lower() == ".xls":
        problems.error(name, None, None, "format Excel 97-2003 (.xls) non pris en charge",
                       "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le en .xlsx ou en CSV")
        return None
    else:
        table = _read_csv(data, name, problems, recognise)
    if table is None:
        return None
    if not table.n_rows and len(problems.errors) == errors_before:  # else its rows were refused, and said why
        problems.error(name, table.header_line, None, "le fichier ne contient qu'une ligne d'en-têtes, aucune donnée",
                       "Ajoutez les lignes de données sous les en-têtes")
        return None
    return table


def _trim_header(header: list[str]) -> list[str]:
    header = [h.strip() for h in header]
    while header and not header[-1]:
        header.pop()
    return header


# --------------------------------------------------------------------------------------------- CSV

def _decode(data: bytes, name: str, problems: Collector) -> tuple[str, str] | None:
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        problems.error(name, line, None, "encodage illisible : le fichier contient des octets nuls (UTF-16 ou fichier binaire)",
                       "Enregistrez-le en « CSV UTF-8 (délimité par des points-virgules) » ou en .xlsx")
        return None
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pos = utf8_error.start
            line = data[:pos].count(b"\n") + 1
            col = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
            problems.error(name, line, None, f"encodage illisible : octet 0x{data[pos]:02X} au caractère {col}, "
                           "ni UTF-8 ni Windows-1252",
                           "Enregistrez le fichier en « CSV UTF-8 » depuis votre tableur, ou en .xlsx")
            return None


def _physical_lines(text: str) -> pa.Array:
    """One string per physical line (\\n, \\r\\n or \\r, as the csv module splits them)."""
    utf8 = text.encode("utf-8")
    if b"\x01" not in utf8:
        import pyarrow.csv as pcsv

        try:
            table = pcsv.read_csv(
                io.BytesIO(utf8),
                read_options=pcsv.ReadOptions(column_names=["line"], block_size=max(1 << 20, min(len(utf8) // 4, 64 << 20))),
                parse_options=pcsv.ParseOptions(delimiter="\x01", quote_char=False, escape_char=False,
                                                ignore_empty_lines=False),
                convert_options=pcsv.ConvertOptions(column_types={"line": pa.string()}, strings_can_be_null=False,
                                                    quoted_strings_can_be_null=False))
            return table.column("line").combine_chunks()
        except pa.ArrowInvalid:
            pass
    return pa.array(re.split(r"\r\n|\r|\n", text.removesuffix("\n").removesuffix("\r")), pa.string())


def _blank_lines(lines: pa.Array) -> np.ndarray:
    """Blank lines (only spaces, separators or quotes): the regex runs only on lines that start like one."""
    maybe = np.flatnonzero(BLANK_START[first_bytes(lines)])
    blank = np.zeros(len(lines), dtype=bool)
    if len(maybe):
        blank[maybe] = pc.equal(pc.utf8_trim_whitespace(pc.replace_substring_regex(
            lines.take(pa.array(maybe)), r"[;,\t|\"]", "")), "").to_numpy(zero_copy_only=False)
    return blank


def _header_choice(head: list[tuple[int, str]], recognise: Recogniser) -> tuple[int, str] | None:
    """(position in `head`, separator): the first recognised header line, for the separator it splits best;
    else the first line, with the separator it holds most. None when it holds none."""
    for position, (_, line_text) in enumerate(head):
        for sep in SEPARATORS:
            if sep in line_text and recognise([normalise_name(c) for c in next(csv.reader([line_text], delimiter=sep))
                                               if c.strip()]):
                return position, sep
    counts = {sep: head[0][1].count(sep) for sep in SEPARATORS}
    separator = max(counts, key=counts.get)
    return (0, separator) if counts[separator] else None


FAST_HEAD_BYTES = 1 << 16  # bytes first read to find the header, enlarged until HEADER_SCAN rows are in
LINE_END = re.compile(rb"\r\n|\r|\n")  # as the csv module and pyarrow split lines


def _read_csv_fast(data: bytes, name: str, recognise: Recogniser) -> RawTable | None:
    """A plain file (UTF-8, no quote, the same field count on every line): pyarrow.csv reads the body in one
    pass, a million rows in a fraction of a second. The same cells and line numbers as the careful path;
    None for any other file (or anything unusual), which the careful path reads and explains."""
    if b'"' in data or b"\x00" in data:
        return None
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    size = FAST_HEAD_BYTES
    while True:  # the physical lines of the head, up to HEADER_SCAN non-blank ones
        whole = start + size >= len(data)
        prefix = data[start:] if whole else data[start:start + size]
        if not whole:
            cut = prefix.rfind(b"\n")
            if cut < 0:
                size *= 4
                continue
            prefix = prefix[:cut + 1]
        ends = [m.end() for m in LINE_END.finditer(prefix)]
        if whole and (not ends or ends[-1] < len(prefix)):
            ends.append(len(prefix))  # the last line, without its line break
        try:
            texts = [LINE_END.sub(b"", prefix[a:b]).decode("utf-8") for a, b in zip([0] + ends[:-1], ends)]
        except UnicodeDecodeError:
            return None
        filled = np.flatnonzero(~_blank_lines(pa.array(texts, pa.string())))
        if whole or len(filled) >= HEADER_SCAN:
            break
        size *= 4
    if not len(filled):
        return None
    head = [(int(i), texts[int(i)]) for i in filled[:HEADER_SCAN]]
    choice = _header_choice(head, recognise)
    if choice is None:
        return None
    position, separator = choice
    header_index, header_text = head[position]
    raw_header = next(csv.reader([header_text], delimiter=separator))
    header = _trim_header(raw_header)
    width = len(raw_header)
    body = data[start + ends[header_index]:]
    if width < 2 or not header or not body.strip() or body.startswith(b"\xef\xbb\xbf"):
        return None
    import pyarrow.csv as pcsv

    names = [f"c{i}" for i in range(width)]
    try:
        table = pcsv.read_csv(
            io.BytesIO(body),
            read_options=pcsv.ReadOptions(column_names=names, block_size=max(1 << 20, min(len(body) // 4, 64 << 20))),
            parse_options=pcsv.ParseOptions(delimiter=separator, quote_char=False, escape_char=False, double_quote=False,
                                            newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(column_types={c: pa.string() for c in names}, strings_can_be_null=False,
                                                quoted_strings_can_be_null=False))
    except pa.ArrowInvalid:  # a line with another field count, or not UTF-8
        return None
    cells = [as_array(table.column(i)) for i in range(width)]
    numbers = np.arange(len(table), dtype=np.int64) + header_index + 2
    # Blank lines, as the careful path sees them (a line's first byte is its first cell's, or a separator).
    maybe = np.flatnonzero(BLANK_START[first_bytes(cells[0])])
    if len(maybe):
        index = pa.array(maybe)
        blank = np.ones(len(maybe), dtype=bool)
        for column in cells:
            blank &= pc.equal(pc.utf8_trim_whitespace(pc.replace_substring_regex(
                column.take(index), r"[;,\t|\"]", "")), "").to_numpy(zero_copy_only=False)
        if blank.any():
            keep = np.ones(len(table), dtype=bool)
            keep[maybe[blank]] = False
            mask = pa.array(keep)
            cells = [c.filter(mask) for c in cells]
            numbers = numbers[keep]
    n = len(header)
    for column in cells[n:]:  # fields beyond the named columns: the careful path drops them when empty
        if not pc.all(pc.equal(pc.utf8_trim_whitespace(column), "")).as_py() and len(column):
            return None
    if not len(numbers):
        return None
    return RawTable(name, header, [_strip(c) for c in cells[:n]], numbers, header_index + 1,
                    "utf-8-sig" if start else "utf-8", separator)


def _read_csv(data: bytes, name: str, problems: Collector, recognise: Recogniser) -> RawTable | None:
    table = _read_csv_fast(data, name, recognise)
    if table is not None:
        return table
    decoded = _decode(data, name, problems)
    if decoded is None:
        return None
    text, encoding = decoded
    lines = _physical_lines(text)
    filled = np.flatnonzero(~_blank_lines(lines))
    head = [(int(i), lines[int(i)].as_py()) for i in filled[:HEADER_SCAN]]
    # The separator and the header: the first recognised header line, for the separator it splits best.
    choice = _header_choice(head, recognise)
    if choice is None:
        header_text = head[0][1]
        problems.error(name, head[0][0] + 1, None, f"séparateur inconnu : la ligne d'en-têtes « {header_text[:60]} » ne contient "
                       "ni point-virgule, ni virgule, ni tabulation",
                       "Séparez les colonnes par « ; » (CSV français) ou « , », ou enregistrez le fichier en .xlsx")
        return None
    position, separator = choice
    header_index = head[position][0]
    quotes = pc.count_substring(lines, '"').to_numpy(zero_copy_only=False) if '"' in text else np.zeros(len(lines), int)
    if (quotes % 2).any():  # a quoted value spans several lines: read record by record
        return _read_csv_records(text, name, problems, encoding, separator, header_index + 1)
    header = _trim_header(next(csv.reader([head[position][1]], delimiter=separator)))
    body = filled[filled > header_index]
    body_lines = lines.take(pa.array(body))
    records = pc.split_pattern(body_lines, separator)
    quoted = np.flatnonzero(quotes[body] > 0)
    if len(quoted):  # fields of lines with quotes, as the csv module reads them
        parsed = [next(csv.reader([body_lines[int(i)].as_py()], delimiter=separator)) for i in quoted]
        plain = np.flatnonzero(quotes[body] == 0)
        merged = pa.concat_arrays([records.take(pa.array(plain)), pa.array(parsed, records.type)])
        order = np.empty(len(body), dtype=np.int64)
        order[np.concatenate([plain, quoted])] = np.arange(len(body))
        records = merged.take(pa.array(order))
    return _table_from_records(name, header, records, body + 1, header_index + 1, problems, encoding, separator)


def _table_from_records(name, header, records: pa.ListArray, numbers: np.ndarray, header_line: int, problems: Collector,
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
    columns = [_strip(pc.list_element(good, i)) for i in range(n)] if len(good) else \
        [pa.array([], pa.string()) for _ in range(n)]
    return RawTable(name, header, columns, numbers[ok], header_line, encoding, separator, sheet, sheets or [])


def _strip(cells) -> pa.Array:
    """Cells without surrounding spaces (also non-breaking ones); trimmed only if some cell needs it."""
    cells = as_array(cells)
    if SPACE_BYTES[first_bytes(cells)].any() or SPACE_BYTES[last_bytes(cells)].any():
        cells = pc.utf8_trim_whitespace(cells)
    return cells


def _read_csv_records(text: str, name: str, problems: Collector, encoding: str, separator: str,
                      header_line: int) -> RawTable | None:
    """The slow path: record by record with the csv module (quoted values over several lines)."""
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    header, rows, numbers = None, [], []
    previous_end = 0
    try:
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if start < header_line or not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = _trim_header(record)
                continue
            rows.append(record)
            numbers.append(start)
    except csv.Error as exc:
        problems.error(name, reader.line_num, None, f"ligne illisible ({exc})", "Vérifiez les guillemets de cette ligne")
        return None
    records = pa.array(rows, pa.list_(pa.string()))
    return _table_from_records(name, header, records, np.array(numbers, dtype=np.int64), header_line, problems,
                               encoding, separator)


# --------------------------------------------------------------------------------------------- XLSX

def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value).strip()


def _sheet_rows(ws) -> list[tuple[int, list[str]]]:
    out = []
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = [_cell_text(v) for v in values]
        if any(c.strip() for c in cells):
            out.append((number, cells))
    return out


def _read_xlsx(data: bytes, name: str, problems: Collector, sheet: str | None, recognise: Recogniser) -> RawTable | None:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        problems.error(name, None, None, f"classeur Excel illisible ({type(exc).__name__})",
                       "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le à nouveau en .xlsx, ou exportez-le en CSV")
        return None
    try:
        names = list(book.sheetnames)
        if sheet:
            wanted = {normalise_name(n): n for n in names}
            real = sheet if sheet in names else wanted.get(normalise_name(sheet))
            if real is None:
                problems.error(name, None, None, f"pas de feuille « {sheet} » (feuilles : {', '.join(names)})",
                               "Donnez le nom exact d'une des feuilles (option --sheet)")
                return None
            order = [real]
        else:
            order = names
        chosen = None
        for title in order:  # without --sheet: the first sheet whose header is recognised, else the first
            rows = _sheet_rows(book[title])
            position = next((p for p, (_, cells) in enumerate(rows[:HEADER_SCAN])
                             if recognise([normalise_name(c) for c in cells if c.strip()])), None)
            if position is not None:
                chosen = (title, rows, position)
                break
            if chosen is None:
                chosen = (title, rows, 0 if rows else None)
            if sheet or len(order) == 1:
                break
    finally:
        book.close()
    title, rows, position = chosen
    if not rows:
        problems.error(name, None, None, f"la feuille « {title} » est vide",
                       "Vérifiez que vous avez choisi la bonne feuille (option --sheet)")
        return None
    if position is None:
        position = 0
    if not sheet and title != names[0]:
        problems.warning(name, None, None, f"feuille « {title} » lue : la première feuille (« {names[0]} ») n'a pas "
                         "d'en-têtes reconnus", "Rien à faire ; pour lire une autre feuille, précisez-la (option --sheet)")
    header_line, header = rows[position][0], _trim_header(rows[position][1])
    body = rows[position + 1:]
    width = len(header)
    records = pa.array([cells + [""] * (width - len(cells)) for _, cells in body], pa.list_(pa.string()))
    numbers = np.array([number for number, _ in body], dtype=np.int64)
    if len(names) > 1:  # a line number means nothing without its sheet
        name = f"{name}, feuille « {title} »"
    return _table_from_records(name, header, records, numbers, header_line, problems, None, None, title, names)
