"""Builders of messy and hostile import files, written from the real export formats (issue 15).

Each returns bytes; the tests write them where they need them. The workbook traps are built with openpyxl and
zipfile; the OLE containers (an encrypted workbook, an Excel 97-2003 file) follow the compound file layout: a
512-byte header starting with the CFB signature, then directory entries whose names are UTF-16LE.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

from tests.support.import_data import ANNUAIRE_2026, ENT_HEADER, annuaire_row, xlsx_book

CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def annuaire_csv(*rows: dict, encoding: str = "utf-8-sig") -> bytes:
    """The annuaire as published: ';', UTF-8 with BOM, CRLF; each row a dict of header name -> cell."""
    lines = [ANNUAIRE_2026] + [annuaire_row(ANNUAIRE_2026, **row) for row in rows]
    return "\r\n".join(lines).encode(encoding) + b"\r\n"


def annuaire_site(uai: str, commune: str = "97304", type_: str = "Ecole", **extra) -> dict:
    row = {"Identifiant_de_l_etablissement": uai, "Nom_etablissement": f"École {uai}", "Type_etablissement": type_,
           "Statut_public_prive": "Public", "Code_commune": commune, "etat": "OUVERT", "Code_academie": "33"}
    return {**row, **extra}


# The row of the real annuaire (2026 export) that was stored at latitude 5 161: its coordinates as the
# open-data file writes them, with a point, in a ';' file whose other numbers use the comma.
REAL_9730108E = annuaire_site("9730108E", "97304", latitude="5.161", longitude="-52.648", Code_postal="97310",
                              Nom_commune="Kourou")


def mixed_encoding_annuaire() -> bytes:
    """A Windows-1252 annuaire (Excel's « CSV (séparateur : point-virgule) ») with one line pasted from a UTF-8 file."""
    first = annuaire_row(ANNUAIRE_2026, **annuaire_site("9730108E", Nom_etablissement="École Saba"))
    second = annuaire_row(ANNUAIRE_2026, **annuaire_site("9730196A", type_="Collège", Nom_etablissement="Collège Éboué"))
    return (ANNUAIRE_2026 + "\r\n" + first + "\r\n").encode("cp1252") + (second + "\r\n").encode("utf-8")


def ent_csv(*rows: tuple) -> bytes:
    """The ENT audience export; each row (week, uai, visits, users) as cells (text, so any shape can be tried)."""
    names = ENT_HEADER.split(";")
    out = [ENT_HEADER]
    for week, uai, visits, users in rows:
        values = {"debutsemaine": week, "uai": uai, "academie": "GUYANE", "visites_globales": visits,
                  "utilisateurs_globales": users, "duree_globales": "01:02:03"}
        out.append(";".join(str(values.get(c, "")) for c in names))
    return ("\n".join(out) + "\n").encode("utf-8")


def workbook(sheets: list[tuple[str, list[list], str]], formats: dict | None = None) -> bytes:
    """A workbook: (title, rows, state) per sheet, state 'visible' or 'hidden'; `formats` maps
    (title, 'B2') -> number format (e.g. '0.0%')."""
    return xlsx_book([(title, rows, []) for title, rows, _ in sheets], {t: state for t, _, state in sheets}, formats)


def put(folder: Path, name: str, content: bytes | str) -> Path:
    """Write a test file (text as UTF-8) and return its path."""
    path = Path(folder) / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def with_member(xlsx: bytes, name: str, size: int) -> bytes:
    """The workbook plus a member of `size` zero bytes (deflated to almost nothing: a zip bomb's shape)."""
    buffer = io.BytesIO(xlsx)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, b"\0" * size)
    return buffer.getvalue()


def declared_dimension(xlsx: bytes, ref: str) -> bytes:
    """The workbook with its first sheet's <dimension ref=…> rewritten (what a sheet says of its size)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                import re

                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + ref.encode() + b'"', data)
            archive.writestr(info, data)
    return out.getvalue()


def compound_file(*streams: str) -> bytes:
    """An OLE compound file naming `streams` in its directory (the root entry first): the header of a real one,
    then one directory sector of 128-byte entries."""
    header = bytearray(512)
    header[:8] = CFB_SIGNATURE
    header[24:28] = struct.pack("<HH", 0x3E, 3)  # minor and major version (512-byte sectors)
    header[28:34] = struct.pack("<HHH", 0xFFFE, 9, 6)  # little-endian, sector size 2^9, mini sector 2^6
    header[48:52] = struct.pack("<I", 0)  # first directory sector
    directory = bytearray()
    for name in ("Root Entry", *streams):
        entry = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        entry[:len(encoded)] = encoded
        entry[64:66] = struct.pack("<H", len(encoded))
        entry[66] = 5 if name == "Root Entry" else 2
        directory += entry
    directory += bytes(512 - len(directory) % 512) if len(directory) % 512 else b""
    return bytes(header) + bytes(directory)


def encrypted_workbook() -> bytes:
    """What Excel writes for a password-protected .xlsx: an OLE container with the encrypted package inside."""
    return compound_file("\x06DataSpaces", "EncryptionInfo", "EncryptedPackage")


def legacy_xls() -> bytes:
    """An Excel 97-2003 workbook: an OLE container whose main stream is « Workbook »."""
    return compound_file("Workbook", "\x05SummaryInformation")
