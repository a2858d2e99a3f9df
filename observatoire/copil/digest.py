"""Monthly digests: one PDF (and optionally PowerPoint) per perimeter — circonscription, bassin, département or
académie — with that perimeter's figures, changes and points of attention, plus an index (index.html, index.csv).

A digest is the COPIL deck (build_deck) under the perimeter's filters, written by the same exporters, so its
numbers are those of the dashboard for that scope. Files are written to a temporary name and renamed into place.
Sending by e-mail is observatoire/copil/mail.py.
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from observatoire.copil.deck import build_deck, filter_labels
from observatoire.copil.export import render_charts, to_pdf, to_pptx
from observatoire.model.dates import format_date_fr
from observatoire.model.filters import Filters
from observatoire.storage.store import Store

# --by value -> (Filters field, French name of one perimeter); None: the whole territory, one digest.
BY = {"circonscription": ("circonscription", "circonscription"), "bassin": ("bassin", "bassin"),
      "departement": ("zone", "département"), "academie": (None, "académie")}


@dataclass(frozen=True)
class Perimeter:
    code: str
    name: str
    filters: Filters


@dataclass(frozen=True)
class Digest:
    perimeter: Perimeter
    pdf: Path
    pptx: Path | None


def slug(text: str) -> str:
    """'Saint-Élie — Rivière' -> 'saint-elie-riviere', for file names."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "perimetre"


def perimeters(store: Store, by: str, labels: dict[str, dict] | None = None) -> list[Perimeter]:
    """Every perimeter of kind `by`, by name. A département is a zone only where the territory's zones are its
    départements (a région académique's files); a territory of one département and the académie give one digest,
    the whole territory (the filters hold one zone, not an académie's several)."""
    field, _ = BY[by]
    labels = labels if labels is not None else filter_labels(store)
    whole = Perimeter(store.territory.academie_code, store.territory.academie_name, Filters())
    if field is None:
        return [whole]
    if by == "departement" and store.territory.zone_label.lower() != "département":
        return [whole]
    values = labels.get(field, {})
    return [Perimeter(code, name, Filters(**{field: code})) for code, name in sorted(values.items(), key=lambda kv: slug(kv[1]))]


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_digests(store: Store, snapshot_date: date, by: str, out: Path, pptx: bool = False,
                  compare_date: date | None = None, progress=None) -> list[Digest]:
    """One PDF (and PPTX) per perimeter in `out`, then index.csv and index.html; returns the digests written.
    `progress(fraction, text)` is called per perimeter."""
    out.mkdir(parents=True, exist_ok=True)
    labels = filter_labels(store)
    chosen = perimeters(store, by, labels)
    done = []
    for n, perimeter in enumerate(chosen):
        if progress:
            progress(n / len(chosen), f"{perimeter.name} ({n + 1} / {len(chosen)})")
        deck = build_deck(store, snapshot_date, perimeter.filters, compare_date, labels)
        images = render_charts(deck)
        stem = f"synthese-{snapshot_date.isoformat()}-{by}-{slug(perimeter.code)}-{slug(perimeter.name)}"
        pdf_path = out / f"{stem}.pdf"
        _write(pdf_path, to_pdf(deck, images=images))
        pptx_path = None
        if pptx:
            pptx_path = out / f"{stem}.pptx"
            _write(pptx_path, to_pptx(deck, images=images))
        done.append(Digest(perimeter, pdf_path, pptx_path))
    write_index(done, snapshot_date, by, out, store.territory.academie_name, store.is_demo)
    if progress:
        progress(1.0, "Terminé")
    return done


def write_index(digests: list[Digest], snapshot_date: date, by: str, out: Path, academie: str, is_demo: bool) -> None:
    """index.csv (';', UTF-8 with BOM for spreadsheets) and index.html (links to every file, no script)."""
    kind = BY[by][1]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["code", kind, "pdf", "pptx"])
    for d in digests:
        writer.writerow([d.perimeter.code, d.perimeter.name, d.pdf.name, d.pptx.name if d.pptx else ""])
    _write(out / "index.csv", ("\ufeff" + buffer.getvalue()).encode("utf-8"))
    def link(path: Path | None, text: str) -> str:
        return f'<a href="{html.escape(path.name)}">{text}</a>' if path else ""

    rows = "\n".join(f"<tr><td>{html.escape(d.perimeter.name)} ({html.escape(d.perimeter.code)})</td>"
                     f"<td>{link(d.pdf, 'PDF')}</td><td>{link(d.pptx, 'PowerPoint')}</td></tr>" for d in digests)
    title = f"Synthèses par {kind} — {academie} — instantané du {format_date_fr(snapshot_date)}"
    note = "<p><strong>Données de démonstration</strong> : valeurs fictives.</p>" if is_demo else ""
    page = (f"<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title></head>\n"
            f"<body><h1>{html.escape(title)}</h1>{note}\n<table>\n<tr><th>{html.escape(kind.capitalize())}</th>"
            f"<th>PDF</th><th>PowerPoint</th></tr>\n{rows}\n</table></body></html>\n")
    _write(out / "index.html", page.encode("utf-8"))
