"""Read a CSV or XLSX file into a RawTable, or record in French why it cannot be read.

Title rows above the header (a merged title, a "Source : …" line) are skipped: the header is the first of
the first rows that `recognise` accepts, else the first non-empty row.

The file is read with a bound (never trusting its announced size: a symlink to an endless device announces
0 bytes), only if it is a regular file, and never from a system folder (a link to /etc/passwd is refused
without a word of its content).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from observatoire.ingest.csv_reader import read_csv
from observatoire.ingest.problems import Collector
from observatoire.ingest.raw_table import RawTable, Recogniser
from observatoire.ingest.xlsx_reader import read_xlsx

XLSX_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: Excel 97-2003, or an encrypted workbook
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # how Office stores a password-protected .xlsx
SYSTEM_FOLDERS = ("/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/run", "/var/run", "/var/lib")
SIZE_HINT = ("Découpez-le (par exemple un fichier par mois ou par source) ou demandez à relever la limite "
             "(réglage OBSERVATOIRE_IMPORT_MAX_MB)")


def read_bounded(path: Path, name: str, problems: Collector, max_bytes: int) -> bytes | None:
    """The file's bytes (at most max_bytes), or None after a French error: not a regular file, a system file,
    too big, unreadable."""
    target = os.path.realpath(path)
    if any(target == folder or target.startswith(folder + "/") for folder in SYSTEM_FOLDERS):
        problems.error(name, None, None, "ce chemin mène à un fichier système, pas à un export",
                       "Choisissez le fichier exporté (CSV ou .xlsx) lui-même")
        return None
    try:
        with open(path, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                problems.error(name, None, None, "ce n'est pas un fichier ordinaire (dossier, périphérique ou tube)",
                               "Choisissez le fichier exporté (CSV ou .xlsx) lui-même")
                return None
            data = handle.read(max_bytes + 1)
    except PermissionError:
        problems.error(name, None, None, "lecture du fichier refusée (droits insuffisants)",
                       "Copiez le fichier dans un dossier où vous pouvez le lire, ou demandez les droits de lecture")
        return None
    except IsADirectoryError:
        problems.error(name, None, None, "c'est un dossier, pas un fichier", "Choisissez le fichier exporté lui-même")
        return None
    except OSError as exc:
        problems.error(name, None, None, f"fichier illisible ({exc.strerror or type(exc).__name__})",
                       "Vérifiez que le fichier est accessible (support branché, lecteur réseau connecté), puis relancez")
        return None
    if len(data) > max_bytes:
        problems.error(name, None, None, f"le fichier pèse plus de {max_bytes / 1e6:g} Mo, au-delà de la limite".replace(".", ","), SIZE_HINT)
        return None
    return data


def read_table(path: Path, name: str, problems: Collector, max_bytes: int, sheet: str | None = None,
               recognise: Recogniser | None = None, data: bytes | None = None) -> RawTable | None:
    """Read the file; on a problem, record it (in French, with line and column) and return None."""
    path = Path(path)
    if data is None:
        data = read_bounded(path, name, problems, max_bytes)
        if data is None:
            return None
    if not data.strip():
        problems.error(name, None, None, "le fichier est vide", "Vérifiez que vous avez choisi le bon fichier, puis exportez-le à nouveau")
        return None
    recognise = recognise or (lambda keys: False)
    errors_before = len(problems.errors)
    suffix = path.suffix.lower()
    if data.startswith(CFB_MAGIC):
        if ENCRYPTED_STREAM in data:
            problems.error(name, None, None, "classeur protégé par un mot de passe (chiffré) : il ne peut pas être lu",
                           "Ouvrez-le dans Excel ou LibreOffice avec son mot de passe, retirez la protection "
                           "(Fichier > Informations > Protéger le classeur), enregistrez-le en .xlsx, puis relancez")
        else:
            renamed = f", bien que nommé {suffix}" if suffix not in (".xls", "") else ""
            problems.error(name, None, None, f"format Excel 97-2003 (.xls){renamed}, non pris en charge",
                           "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le en .xlsx (« Classeur Excel ») ou en CSV")
        return None
    if data.startswith(XLSX_MAGIC) or suffix in (".xlsx", ".xlsm"):
        table = read_xlsx(data, name, problems, sheet, recognise, max_bytes)
    elif suffix == ".xls":
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
