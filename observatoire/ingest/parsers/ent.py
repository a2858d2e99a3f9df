"""The ENT audience export: visits and users per school and per week (open data of the ENT)."""

from __future__ import annotations

from datetime import timedelta

from observatoire.model.dates import school_year, school_year_bounds
from observatoire.ingest.checks import (check_entity, check_formulas, indicator_for_export, require,
                                        territory_rows)
from observatoire.ingest.parse_context import ParseContext
from observatoire.ingest.raw_table import RawTable
from observatoire.ingest.text import NotANumber, number_problem, parse_date, parse_number

LABEL = "audience de l'ENT par établissement et par semaine"
# The roadmap indicators the open-data exports feed: declared by each roadmap ([exports] of roadmap.toml).
ENT_EXPORTS = {"utilisateurs": "ent_utilisateurs", "visites": "ent_visites"}


def parse_ent(table: RawTable, ctx: ParseContext) -> None:
    found = require(table, ["debutsemaine", "uai", "utilisateurs_globales", "visites_globales"], ctx, LABEL)
    if found is None:
        return
    # A roadmap may feed one of the two measures only (e.g. visits, when it counts no monthly users).
    declared = {k: v for k, v in ENT_EXPORTS.items() if v in ctx.catalog.exports} or ENT_EXPORTS
    inds = {k: indicator_for_export(v, ctx, table) for k, v in declared.items()}
    if None in inds.values():
        return
    # The degrees the ENT indicators cover (a 2nd-degree ENT leaves the écoles out).
    scope = next(iter(inds.values())).scope
    degrees = {"1d": {1}, "2d": {2}}.get(scope, {1, 2})
    uai_i, week_i = found["uai"], found["debutsemaine"]
    rows = territory_rows(table, uai_i, ctx)
    bad = check_formulas(table, ctx, list(found.values()))
    day = ctx.snapshot
    year_start = school_year_bounds(school_year(day))[0]
    users: dict[str, tuple[float, int]] = {}
    visits: dict[str, tuple[float, int]] = {}
    weeks = set()
    skipped_1d = set()
    for r in rows:
        row, line = table.rows[r], table.lines[r]
        if any((r, c) in bad for c in found.values()):
            continue
        try:
            week = parse_date(row[week_i])
        except ValueError:
            ctx.problems.error(table.name, line, table.column(week_i), f"« {row[week_i]} » n'est pas une date",
                               "Écrivez la date du lundi de la semaine en AAAA-MM-JJ ou JJ/MM/AAAA", kind="date")
            continue
        weeks.add(week)
        if not (year_start <= week <= day):
            continue
        uai = check_entity("site", row[uai_i], ctx, (table.name, line, table.column(uai_i)))
        if uai is None:
            continue
        if ctx.sites.get(uai) is not None and ctx.sites.get(uai) not in degrees:
            skipped_1d.add(uai)
            continue
        values = {}
        for key in ("utilisateurs_globales", "visites_globales"):
            i = found[key]
            try:
                values[key] = parse_number(row[i], table.decimal, "count") if row[i].strip() else 0.0
            except NotANumber as exc:
                ctx.problems.error(table.name, line, table.column(i), *number_problem(row[i], exc), kind="number")
                continue
            if values[key] < 0:
                ctx.problems.error(table.name, line, table.column(i), f"valeur négative ({row[i]})",
                                   "Un nombre de visites ou d'utilisateurs ne peut pas être négatif", kind="negative")
                values.pop(key)
            elif not values[key].is_integer():
                ctx.problems.error(table.name, line, table.column(i), f"« {row[i]} » n'est pas un nombre entier, or "
                                   "l'ENT compte des visites et des utilisateurs",
                                   "Donnez un nombre entier (vérifiez le séparateur décimal et les milliers)", kind="number")
                values.pop(key)
        if len(values) < 2:
            continue
        total, first = visits.get(uai, (0.0, line))
        visits[uai] = (total + values["visites_globales"], first)
        if (week.year, week.month) == (day.year, day.month):
            best, best_line = users.get(uai, (-1.0, line))
            if values["utilisateurs_globales"] > best:
                users[uai] = (values["utilisateurs_globales"], line)
    if not any((w.year, w.month) == (day.year, day.month) and w <= day for w in weeks) and weeks:
        ctx.problems.error(table.name, None, table.column(week_i),
                           f"aucune semaine du mois de l'instantané ({day:%m/%Y}) : le fichier couvre du "
                           f"{min(weeks):%d/%m/%Y} au {max(weeks):%d/%m/%Y}",
                           "Choisissez une date d'instantané dans la période du fichier, ou téléchargez l'export à jour")
        return
    if weeks and min(weeks) > year_start + timedelta(days=7):
        ctx.problems.warning(table.name, None, table.column(week_i),
                             f"le fichier commence le {min(weeks):%d/%m/%Y}, après la rentrée : les visites cumulées depuis "
                             "la rentrée sont partielles", "Téléchargez l'export depuis le début de l'année scolaire")
    if skipped_1d:
        ctx.problems.warning(table.name, None, table.column(uai_i),
                             f"{len(skipped_1d)} école(s) ignorée(s) : les indicateurs de l'ENT portent sur le 2nd degré"
                             if degrees == {2} else f"{len(skipped_1d)} collège(s) et lycée(s) ignoré(s) : les "
                             "indicateurs de l'ENT portent sur le 1er degré",
                             "Rien à faire")
    for uai, (value, line) in (users.items() if "utilisateurs" in inds else ()):
        ctx.facts.append({"indicator_id": inds["utilisateurs"].id, "entity_level": "site", "entity_id": uai,
                          "value": value, "denominator": None, "file": table.name, "line": line,
                          "column": table.column(found["utilisateurs_globales"])})
    for uai, (value, line) in visits.items():
        if "visites" in inds and (uai in users or "utilisateurs" not in inds):
            ctx.facts.append({"indicator_id": inds["visites"].id, "entity_level": "site", "entity_id": uai,
                              "value": value, "denominator": None, "file": table.name, "line": line,
                              "column": table.column(found["visites_globales"])})
