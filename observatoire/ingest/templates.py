"""Templates of the long and wide formats: headers, one example row, and the list of indicators."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from observatoire.model.catalog import LEVELS, SCOPES, UNITS, Catalog
from observatoire.output.tables import to_csv_bytes
from observatoire.model.uai import make_uai
from observatoire.ingest.columns import DENOMINATOR_SUFFIX


def example_uai(territory) -> str:
    """A UAI of the territory for the example row: its first prefix, number 1 (9730001N, 0590001…)."""
    prefix = territory.uai_prefixes[0]
    return make_uai(int(prefix) * 10 ** (7 - len(prefix)) + 1)


EXAMPLE_UAI = "9730001N"  # the example when no territory is given (the default territory's first UAI)


def indicator_list(catalog: Catalog) -> pd.DataFrame:
    return pd.DataFrame([{
        "identifiant": i.id, "libellé": i.label, "unité": UNITS[i.unit], "niveau": LEVELS[i.level],
        "colonne d'entité": {"site": "uai", "commune": "code_commune", "academie": "academie"}[i.level],
        "dénominateur": i.denominator_label if i.rollup in ("ratio", "weighted_mean") else "",
        "périmètre": SCOPES[i.scope], "source": i.source,
    } for i in catalog.indicators])


def _example(unit: str) -> tuple[float, float | None]:
    return {"rate": (42, 120), "score": (3.5, 40), "amount": (1500, None), "deliverable": (1, None)}.get(unit, (12, None))


def template_frames(catalog: Catalog, fmt: str, example_uai: str = EXAMPLE_UAI) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(template with one example row, list of indicators) for the long or wide format."""
    if fmt == "long":
        ind = next((i for i in catalog.indicators if i.level == "site" and i.unit == "rate"), catalog.indicators[0])
        value, den = _example(ind.unit)
        frame = pd.DataFrame([{"uai": example_uai, "code_commune": "", "academie": "", "indicateur": ind.id,
                               "valeur": value, "denominateur": den if den is not None else ""}])
    elif fmt == "wide":
        row = {"uai": example_uai, "nom": "Exemple — à remplacer"}
        for ind in catalog.indicators:
            if ind.level != "site":
                continue
            value, den = _example(ind.unit)
            row[ind.id] = value
            if ind.rollup in ("ratio", "weighted_mean"):
                row[ind.id + DENOMINATOR_SUFFIX] = den
        frame = pd.DataFrame([row])
    else:
        raise ValueError(fmt)
    return frame, indicator_list(catalog)


def template_bytes(catalog: Catalog, fmt: str, kind: str, example: str = EXAMPLE_UAI) -> dict[str, bytes]:
    """File name suffix -> content: one XLSX (template + 'indicateurs' sheet), or two CSV files."""
    frame, indicators = template_frames(catalog, fmt, example)
    if kind == "xlsx":
        import io

        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name="modele", index=False)
            indicators.to_excel(writer, sheet_name="indicateurs", index=False)
        return {".xlsx": buffer.getvalue()}
    return {".csv": to_csv_bytes(frame), "_indicateurs.csv": to_csv_bytes(indicators)}


def write_template(catalog: Catalog, fmt: str, out: Path, example: str = EXAMPLE_UAI) -> list[Path]:
    """Write the template to `out` (.csv or .xlsx); a CSV template gets its indicator list beside it."""
    out = Path(out)
    kind = "xlsx" if out.suffix.lower() == ".xlsx" else "csv"
    written = []
    for suffix, content in template_bytes(catalog, fmt, kind, example).items():
        path = out if suffix in (".xlsx", ".csv") else out.with_name(out.stem + suffix)
        path.write_bytes(content)
        written.append(path)
    return written
