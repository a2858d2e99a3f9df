"""Read a sheet of an XLSX workbook into a RawTable, remembering each row's number.

Bounds come before the work: the zip's central directory gives every member's inflated size, and each sheet's
<dimension> its rows and columns, before a cell is parsed; rows and cells are counted again while reading (a
dimension can lie). Only visible sheets are read unless one is named. A cell formatted as a percentage is read
as one ("37,5 %", not its stored fraction 0.375); date cells are dates.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import numpy as np
import pyarrow as pa

from observatoire.ingest.problems import Collector, column_letter
from observatoire.ingest.raw_table import HEADER_SCAN, RawTable, Recogniser, table_from_records, trim_header
from observatoire.ingest.text import normalise_name

MAX_ROWS = 200_000  # rows of a sheet (a bigger export belongs in a CSV file, read far faster)
MAX_COLUMNS = 1_000  # the widest real export (the annuaire) has 71
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
INFLATION = 10  # a workbook may inflate to this many times the import size limit, not more
CSV_HINT = "enregistrez-le en CSV (UTF-8) depuis votre tableur : un gros fichier s'y lit bien plus vite"


class Refused(Exception):
    """The workbook breaks a bound; the message (French) says which."""

    def __init__(self, found: str, action: str, line: int | None = None, column: str | None = None):
        super().__init__(found)
        self.found, self.action, self.line, self.column = found, action, line, column


def _cell_text(value, number_format: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and number_format and "%" in number_format.replace("\\%", ""):
        return f"{value * 100:.12g}%"  # what the sheet shows: 0.375 formatted 0.0% is 37,5 %
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value).strip()


def check_inflated_size(data: bytes, max_bytes: int) -> None:
    """Refused when the workbook's members would inflate beyond INFLATION times the import limit (zip bomb):
    read from the central directory, nothing inflated."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        total = sum(info.file_size for info in archive.infolist())
    if total > INFLATION * max_bytes:
        raise Refused(f"le classeur se décompresse en {_n(round(total / 1e6))} Mo, au-delà de la limite de "
                      f"{_n(round(INFLATION * max_bytes / 1e6))} Mo",
                      f"Découpez-le, ou {CSV_HINT}")


def _check_dimension(ws, title: str) -> None:
    """Refused when the sheet's declared size (its <dimension>) is beyond the bounds."""
    try:
        ref = ws.calculate_dimension()
    except (ValueError, TypeError):
        return
    match = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?", str(ref).upper())
    if not match:
        return
    last_col, last_row = match.group(3) or match.group(1), int(match.group(4) or match.group(2))
    width = 0
    for letter in last_col:
        width = width * 26 + ord(letter) - 64
    _check_size(title, last_row, width)


def _check_size(title: str, rows: int, columns: int) -> None:
    if rows > MAX_ROWS:
        raise Refused(f"la feuille « {title} » compte {_n(rows)} lignes, au-delà de la limite de {_n(MAX_ROWS)}",
                      f"Découpez-la, ou {CSV_HINT}")
    if columns > MAX_COLUMNS:
        raise Refused(f"la feuille « {title} » compte {_n(columns)} colonnes, au-delà de la limite de {_n(MAX_COLUMNS)}",
                      "Supprimez les colonnes inutiles (une colonne par donnée suffit)")


def _n(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def _sheet_rows(ws, title: str) -> list[tuple[int, list[str]]]:
    _check_dimension(ws, title)
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # read every row, whatever the (checked) dimension says; counted below
    out = []
    for number, cells in enumerate(ws.iter_rows(), start=1):
        if number > MAX_ROWS:
            _check_size(title, number, 0)
        texts = []
        for cell in cells:
            value = getattr(cell, "value", None)
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise Refused(f"cellule de {_n(len(value))} caractères",
                              f"Une cellule en compte {_n(MAX_CELL_CHARS)} au plus : videz-la ou raccourcissez-la",
                              number, column_letter(len(texts)))
            texts.append(_cell_text(value, getattr(cell, "number_format", None) if value is not None else None))
        if len(texts) > MAX_COLUMNS and any(t.strip() for t in texts[MAX_COLUMNS:]):
            _check_size(title, 0, len(texts))
        if any(c.strip() for c in texts):
            out.append((number, texts[:MAX_COLUMNS]))
    return out


def read_xlsx(data: bytes, name: str, problems: Collector, sheet: str | None, recognise: Recogniser,
              max_bytes: int = 50_000_000) -> RawTable | None:
    from openpyxl import load_workbook

    try:
        check_inflated_size(data, max_bytes)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Refused as exc:
        problems.error(name, None, None, exc.found, exc.action)
        return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        why = "archive abîmée ou incomplète" if isinstance(exc, (zipfile.BadZipFile, EOFError)) else "contenu inattendu"
        problems.error(name, None, None, f"classeur Excel illisible ({why})",
                       "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le à nouveau en .xlsx, ou exportez-le en CSV")
        return None
    try:
        names = list(book.sheetnames)
        visible = [n for n in names if getattr(book[n], "sheet_state", "visible") == "visible"]
        if sheet:
            wanted = {normalise_name(n): n for n in names}
            real = sheet if sheet in names else wanted.get(normalise_name(sheet))
            if real is None:
                problems.error(name, None, None, f"pas de feuille « {sheet} » (feuilles : {', '.join(names)})",
                               "Donnez le nom exact d'une des feuilles (option --sheet)")
                return None
            order = [real]
        else:
            order = visible
            if not order:
                problems.error(name, None, None, "toutes les feuilles du classeur sont masquées",
                               "Affichez la feuille à importer dans votre tableur, ou nommez-la (option --sheet)")
                return None
            if len(visible) < len(names):
                problems.warning(name, None, None, "feuille(s) masquée(s) ignorée(s) : "
                                 + ", ".join(f"« {n} »" for n in names if n not in visible),
                                 "Rien à faire ; pour lire une feuille masquée, nommez-la (option --sheet)")
        chosen = None
        for title in order:  # without --sheet: the first visible sheet whose header is recognised, else the first
            rows = _sheet_rows(book[title], title)
            position = next((p for p, (_, cells) in enumerate(rows[:HEADER_SCAN])
                             if recognise([normalise_name(c) for c in cells if c.strip()])), None)
            if position is not None:
                chosen = (title, rows, position)
                break
            if chosen is None:
                chosen = (title, rows, 0 if rows else None)
            if sheet or len(order) == 1:
                break
    except Refused as exc:
        problems.error(name, exc.line, exc.column, exc.found, exc.action)
        return None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        problems.error(name, None, None, "feuille illisible (contenu abîmé ou inattendu)",
                       "Ouvrez le classeur dans Excel ou LibreOffice et enregistrez-le à nouveau en .xlsx, ou exportez-le en CSV")
        return None
    finally:
        book.close()
    title, rows, position = chosen
    if not rows:
        problems.error(name, None, None, f"la feuille « {title} » est vide",
                       "Vérifiez que vous avez choisi la bonne feuille (option --sheet)")
        return None
    if position is None:
        position = 0
    if not sheet and title != order[0]:
        problems.warning(name, None, None, f"feuille « {title} » lue : la première feuille (« {order[0]} ») n'a pas "
                         "d'en-têtes reconnus", "Rien à faire ; pour lire une autre feuille, précisez-la (option --sheet)")
    header_line, header = rows[position][0], trim_header(rows[position][1])
    body = rows[position + 1:]
    width = len(header)
    records = pa.array([cells + [""] * (width - len(cells)) for _, cells in body], pa.list_(pa.string()))
    numbers = np.array([number for number, _ in body], dtype=np.int64)
    if len(names) > 1:  # a line number means nothing without its sheet
        name = f"{name}, feuille « {title} »"
    return table_from_records(name, header, records, numbers, header_line, problems, None, None, title, names)
