"""Read a CSV file into a RawTable, remembering each row's line in the file.

A plain CSV file (UTF-8, no quote, the same number of fields on every line) is read by pyarrow.csv in one
pass (_read_csv_fast). Any other is split into lines and fields by pyarrow (vectorised, a few hundred ms
for 2 M lines); only lines with quotes go through Python's csv module, and a file whose quoted values span
several lines is read record by record. Both give the same cells and line numbers.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from observatoire.ingest.problems import Collector
from observatoire.ingest.raw_table import (HEADER_SCAN, RawTable, Recogniser, strip_cells, table_from_records,
                                           trim_header)
from observatoire.ingest.text import normalise_name
from observatoire.ingest.vector import as_array, byte_set, first_bytes

# First bytes of a line that may be blank (UTF-8: the lead bytes of U+00A0 and U+2000-U+3000 spaces too).


BLANK_START = byte_set([0, *b" \t;,|\"\r\x0b\x0c", 0xC2, 0xE1, 0xE2, 0xE3])


SEPARATORS = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}


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
            text = data.decode("cp1252")
            if UTF8_SEQUENCE.search(data):  # a Windows-1252 file with UTF-8 lines pasted in: each line its own
                return _decode_mixed(data, name, problems), "mixte (Windows-1252 et UTF-8)"
            return text, "cp1252"
        except UnicodeDecodeError:
            pos = utf8_error.start
            line = data[:pos].count(b"\n") + 1
            col = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
            problems.error(name, line, None, f"encodage illisible : octet 0x{data[pos]:02X} au caractère {col}, "
                           "ni UTF-8 ni Windows-1252",
                           "Enregistrez le fichier en « CSV UTF-8 » depuis votre tableur, ou en .xlsx")
            return None


UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _decode_mixed(data: bytes, name: str, problems: Collector) -> str:
    """Line by line: UTF-8 where the line is valid UTF-8, Windows-1252 elsewhere; a warning names the UTF-8 lines
    (nothing is dropped, and the user checks the accents)."""
    lines, utf8 = [], []
    for number, raw in enumerate(re.split(rb"(?<=\n)", data), start=1):
        try:
            lines.append(raw.decode("utf-8"))
            if UTF8_SEQUENCE.search(raw):
                utf8.append(number)
        except UnicodeDecodeError:
            lines.append(raw.decode("cp1252"))
    shown = ", ".join(str(n) for n in utf8[:10]) + ("…" if len(utf8) > 10 else "")
    problems.warning(name, None, None, f"encodages mêlés : ligne(s) {shown} en UTF-8, les autres en Windows-1252 ; "
                     "chaque ligne est lue dans son encodage",
                     "Vérifiez les accents de ces lignes dans l'aperçu ; pour l'éviter, enregistrez le fichier en "
                     "« CSV UTF-8 » depuis votre tableur", kind="encoding")
    return "".join(lines)


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
    header = trim_header(raw_header)
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
    return RawTable(name, header, [strip_cells(c) for c in cells[:n]], numbers, header_index + 1,
                    "utf-8-sig" if start else "utf-8", separator)


def read_csv(data: bytes, name: str, problems: Collector, recognise: Recogniser) -> RawTable | None:
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
    header = trim_header(next(csv.reader([head[position][1]], delimiter=separator)))
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
    return table_from_records(name, header, records, body + 1, header_index + 1, problems, encoding, separator)


MAX_LINES_IN_CELL = 20  # a quoted value over more lines than this is an unclosed quote, not an address


def _swallows_lines(record: list[str], separator: str, spanned: int) -> bool:
    """A record over several lines whose quoted value looks like swallowed lines: one of its continuation lines
    holds the separator, or it spans more lines than any real cell does."""
    if spanned > MAX_LINES_IN_CELL:
        return True
    return any(separator in part for cell in record if "\n" in cell or "\r" in cell
               for part in re.split(r"\r\n|\r|\n", cell)[1:])


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
                header = trim_header(record)
                continue
            if previous_end > start and _swallows_lines(record, separator, previous_end - start):
                problems.error(name, start, None, "guillemet non fermé à cette ligne ? La valeur entre guillemets avale "
                               f"les {previous_end - start} ligne(s) suivante(s)",
                               f"Fermez le guillemet de cette ligne (ou doublez-le s'il fait partie du texte : \"\") ; "
                               f"une valeur contenant « {separator} » ou un retour à la ligne doit être entre guillemets",
                               kind="quote")
                return None
            rows.append(record)
            numbers.append(start)
    except csv.Error as exc:
        problems.error(name, reader.line_num, None, f"ligne illisible ({exc})", "Vérifiez les guillemets de cette ligne")
        return None
    records = pa.array(rows, pa.list_(pa.string()))
    return table_from_records(name, header, records, np.array(numbers, dtype=np.int64), header_line, problems,
                              encoding, separator)
