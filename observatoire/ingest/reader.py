"""Read a CSV or XLSX file into a RawTable, or record in French why it cannot be read.

Title rows above the header (a merged title, a "Source : …" line) are skipped: the header is the first of
the first rows that `recognise` accepts, else the first non-empty row.
"""

from __future__ import annotations

from pathlib import Path

from observatoire.ingest.csv_reader import read_csv
from observatoire.ingest.problems import Collector
from observatoire.ingest.raw_table import RawTable, Recogniser
from observatoire.ingest.xlsx_reader import read_xlsx


XLSX_MAGIC = b"PK\x03\x04"


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
        table = read_xlsx(data, name, problems, sheet, recognise)
    elif data.startswith(b"\xd0\xcf\x11\xe0") or path.suffix.lower() == ".xls":
        problems.error(name, None, None, "format Excel 97-2003 (.xls) non pris en charge",
                       "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le en .xlsx ou en CSV")
        return None
    else:
        table = read_csv(data, name, problems, recognise)
    if table is None:
        return None
    if not table.n_rows and len(problems.errors) == errors_before:  # else its rows were refused, and said why
        problems.error(name, table.header_line, None, "le fichier ne contient qu'une ligne d'en-têtes, aucune donnée",
                       "Ajoutez les lignes de données sous les en-têtes")
        return None
    return table
