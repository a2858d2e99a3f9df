"""The Pix certification export: certified pupils per school and school year."""

from __future__ import annotations

from observatoire.model.dates import school_year
from observatoire.ingest.checks import (check_entity, check_formulas, indicator_for_export, make_fact, require,
                                        territory_rows)
from observatoire.ingest.parse_context import ParseContext
from observatoire.ingest.raw_table import RawTable
from observatoire.ingest.text import NotANumber, number_problem, parse_number

LABEL = "certification Pix par établissement"
PIX_EXPORT = "pix_certifies"


def _school_year_of(cell: str) -> str | None:
    text = cell.strip().replace("/", "-").replace(" ", "")
    if len(text) == 9 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        return text
    if len(text) == 4 and text.isdigit():
        return f"{int(text) - 1}-{text}"
    return None


def parse_pix(table: RawTable, ctx: ParseContext) -> None:
    found = require(table, ["annee", "uai", "certifies"], ctx, LABEL)
    if found is None:
        return
    ind = indicator_for_export(PIX_EXPORT, ctx, table)
    if ind is None:
        return
    uai_i, year_i, cert_i = found["uai"], found["annee"], found["certifies"]
    part_i = table.index("participants")
    wanted = school_year(ctx.snapshot)
    rows = territory_rows(table, uai_i, ctx)
    bad = check_formulas(table, ctx, [i for i in (uai_i, year_i, cert_i, part_i) if i is not None])
    years = set()
    for r in rows:
        row, line = table.rows[r], table.lines[r]
        if any((r, c) in bad for c in (uai_i, year_i, cert_i, part_i)):
            continue
        year = _school_year_of(row[year_i])
        if year is None:
            ctx.problems.error(table.name, line, table.column(year_i), f"année « {row[year_i]} » illisible",
                               "Écrivez l'année scolaire (2024-2025) ou l'année de la session (2025)", kind="date")
            continue
        years.add(year)
        if year != wanted:
            continue
        uai = check_entity("site", row[uai_i], ctx, (table.name, line, table.column(uai_i)))
        if uai is None:
            continue
        participants = row[part_i] if part_i is not None else ""
        fact = make_fact(ind, "site", uai, row[cert_i], "", table.decimal, ctx, table.name, line, table.column(cert_i), None)
        if fact and participants.strip():
            try:
                if fact["value"] > parse_number(participants, table.decimal, "count"):
                    ctx.problems.error(table.name, line, table.column(cert_i),
                                       f"{row[cert_i]} certifiés pour {participants} participants : le numérateur dépasse le dénominateur",
                                       "Vérifiez les colonnes « certifies » et « participants » de cette ligne", kind="rate")
                    continue
            except NotANumber as exc:
                ctx.problems.error(table.name, line, table.column(part_i), *number_problem(participants, exc, "participants "),
                                   kind="number")
                continue
        if fact:
            ctx.facts.append(fact)
    if years and wanted not in years:
        ctx.problems.error(table.name, None, table.column(year_i),
                           f"aucune ligne de l'année scolaire {wanted} (celle de l'instantané) ; années présentes : "
                           f"{', '.join(sorted(years))}",
                           "Choisissez une date d'instantané dans une année présente, ou téléchargez l'export à jour")
