"""Read a sheet of an XLSX workbook into a RawTable, remembering each row's number."""

from __future__ import annotations

import io
from datetime import date, datetime

import numpy as np
import pyarrow as pa

from observatoire.ingest.problems import Collector
from observatoire.ingest.raw_table import HEADER_SCAN, RawTable, Recogniser, table_from_records, trim_header
from observatoire.ingest.text import normalise_name


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


def read_xlsx(data: bytes, name: str, problems: Collector, sheet: str | None, recognise: Recogniser) -> RawTable | None:
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
    header_line, header = rows[position][0], trim_header(rows[position][1])
    body = rows[position + 1:]
    width = len(header)
    records = pa.array([cells + [""] * (width - len(cells)) for _, cells in body], pa.list_(pa.string()))
    numbers = np.array([number for number, _ in body], dtype=np.int64)
    if len(names) > 1:  # a line number means nothing without its sheet
        name = f"{name}, feuille « {title} »"
    return table_from_records(name, header, records, numbers, header_line, problems, None, None, title, names)
