"""Read a CSV or XLSX file into rows of text cells, remembering each row's line in the file."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .problems import Collector, column_letter
from .text import normalise_name

SEPARATORS = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}
XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class RawTable:
    """A file's cells as text; `lines[i]` is the line (CSV) or row (XLSX) number of `rows[i]`."""

    name: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    header_line: int = 1
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None
    keys: list[str] = field(default_factory=list)  # normalised header names

    def __post_init__(self):
        self.keys = [normalise_name(h) for h in self.header]

    def index(self, key: str) -> int | None:
        return self.keys.index(key) if key in self.keys else None

    def column(self, index: int) -> str:
        """How a message names a column: its spreadsheet letter and its header as written."""
        return f"{column_letter(index)} « {self.header[index]} »"

    @property
    def decimal(self) -> str:
        """The file's decimal mark: a point for XLSX numbers and ','-separated CSV, else the French comma.

        The other mark is still read as a decimal unless it groups digits by three (1.234 or 1,234).
        """
        return "." if self.separator in (",", None) else ","


def read_table(path: Path, name: str, problems: Collector, max_bytes: int, sheet: str | None = None) -> RawTable | None:
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
    if data.startswith(XLSX_MAGIC) or path.suffix.lower() in (".xlsx", ".xlsm"):
        table = _read_xlsx(data, name, problems, sheet)
    elif data.startswith(b"\xd0\xcf\x11\xe0") or path.suffix.lower() == ".xls":
        problems.error(name, None, None, "format Excel 97-2003 (.xls) non pris en charge",
                       "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le en .xlsx ou en CSV")
        return None
    else:
        table = _read_csv(data, name, problems)
    if table is None:
        return None
    if not table.rows:
        problems.error(name, table.header_line, None, "le fichier ne contient qu'une ligne d'en-têtes, aucune donnée",
                       "Ajoutez les lignes de données sous les en-têtes")
        return None
    return table


def _read_csv(data: bytes, name: str, problems: Collector) -> RawTable | None:
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        problems.error(name, line, None, "encodage illisible : le fichier contient des octets nuls (UTF-16 ou fichier binaire)",
                       "Enregistrez-le en « CSV UTF-8 (délimité par des points-virgules) » ou en .xlsx")
        return None
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pos = utf8_error.start
            line = data[:pos].count(b"\n") + 1
            col = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
            problems.error(name, line, None, f"encodage illisible : octet 0x{data[pos]:02X} au caractère {col}, "
                           "ni UTF-8 ni Windows-1252",
                           "Enregistrez le fichier en « CSV UTF-8 » depuis votre tableur, ou en .xlsx")
            return None
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    header_text = lines[first]
    counts = {sep: header_text.count(sep) for sep in SEPARATORS}
    separator = max(counts, key=counts.get)
    if counts[separator] == 0:
        problems.error(name, first + 1, None, f"séparateur inconnu : la ligne d'en-têtes « {header_text[:60]} » ne contient "
                       "ni point-virgule, ni virgule, ni tabulation",
                       "Séparez les colonnes par « ; » (CSV français) ou « , », ou enregistrez le fichier en .xlsx")
        return None
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    header, rows, numbers = None, [], []
    previous_end = 0
    try:
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header, header_line = [h.strip() for h in record], start
                continue
            while len(record) > len(header) and not record[-1].strip():
                record = record[:-1]
            if len(record) != len(header):
                problems.error(name, start, None, f"{len(record)} champs au lieu de {len(header)} (séparateur « {separator} »)",
                               "Vérifiez les guillemets et les séparateurs de cette ligne : une valeur contenant "
                               f"« {separator} » doit être entre guillemets", kind="fields")
                continue
            rows.append([cell.strip() for cell in record])
            numbers.append(start)
    except csv.Error as exc:
        problems.error(name, reader.line_num, None, f"ligne illisible ({exc})", "Vérifiez les guillemets de cette ligne")
        return None
    return RawTable(name, header, rows, numbers, header_line, encoding, separator)


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


def _read_xlsx(data: bytes, name: str, problems: Collector, sheet: str | None) -> RawTable | None:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        problems.error(name, None, None, f"classeur Excel illisible ({type(exc).__name__})",
                       "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le à nouveau en .xlsx, ou exportez-le en CSV")
        return None
    try:
        if sheet:
            wanted = {normalise_name(n): n for n in book.sheetnames}
            real = sheet if sheet in book.sheetnames else wanted.get(normalise_name(sheet))
            if real is None:
                problems.error(name, None, None, f"pas de feuille « {sheet} » (feuilles : {', '.join(book.sheetnames)})",
                               "Donnez le nom exact d'une des feuilles (option --sheet)")
                return None
            ws = book[real]
        else:
            ws = book.worksheets[0]
        header, rows, numbers, header_line = None, [], [], 1
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if not any(cells):
                continue
            if header is None:
                header, header_line = cells, number
                while header and not header[-1]:
                    header.pop()
                continue
            cells = (cells + [""] * len(header))[: max(len(header), len(cells))]
            if any(cells[len(header):]):
                problems.error(name, number, column_letter(len(header)), "valeur hors des colonnes nommées",
                               "Donnez un en-tête à cette colonne ou videz la cellule", kind="fields")
                continue
            rows.append(cells[: len(header)])
            numbers.append(number)
        title = ws.title
    finally:
        book.close()
    if header is None:
        problems.error(name, None, None, "la feuille est vide", "Vérifiez que vous avez choisi la bonne feuille (option --sheet)")
        return None
    return RawTable(name, header, rows, numbers, header_line, None, None, title)
