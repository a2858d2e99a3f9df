"""The per-row rules the parsers share: required columns, formulas, entities, indicators, one fact's cells.

They are the reference: the vectorised screen (screening.py) only clears the rows these rules would accept
silently, and every message comes from here.
"""

from __future__ import annotations

from observatoire.model.catalog import LEVELS, UNITS, Indicator
from observatoire.model.uai import uai_problem
from observatoire.ingest.columns import ALIASES, DENOMINATOR_SUFFIX, DESCRIPTIVE, ENTITY_COLUMNS, resolve
from observatoire.ingest.parse_context import ParseContext
from observatoire.ingest.raw_table import RawTable
from observatoire.ingest.text import (NUMBER_HINT, NotANumber, formula_risk, normalise_name, number_problem, parse_number,
                                      suggest)

__all__ = ["NUMBER_HINT"]
# How a value cell is read, by its indicator's unit (a rate's cell is its numerator, a count).
UNIT_KINDS = {"count": "count", "amount": "amount", "rate": "rate", "score": "score", "deliverable": "count"}


def require(table: RawTable, columns: list[str], ctx: ParseContext, label: str) -> dict[str, int] | None:
    """The index of each required column, or None after an error naming the format (its `label`)."""
    found = {c: resolve(table, c) for c in columns}
    if not check_duplicate_columns(table, ctx):
        return None
    missing = [c for c, i in found.items() if i is None]
    if missing:
        ctx.problems.error(table.name, table.header_line, None,
                           f"colonne(s) obligatoire(s) absente(s) pour le {label} : {', '.join(missing)} "
                           f"(colonnes lues : {', '.join(table.header[:12])}{'…' if len(table.header) > 12 else ''})",
                           "Ajoutez ou renommez la colonne (la casse, les accents et les espaces ne comptent pas), "
                           "ou choisissez un autre format")
        return None
    return found


def check_formulas(table: RawTable, ctx: ParseContext, columns: list[int] | None = None,
                   rows=None) -> set[tuple[int, int]]:
    """Cells a spreadsheet would run as formulas; returns their (row, column) positions.

    `rows` is an iterable of (row index, cells); by default every row of the table."""
    bad = set()
    for r, row in (rows if rows is not None else enumerate(table.rows)):
        for c in columns if columns is not None else range(len(row)):
            cell = row[c]
            if cell and formula_risk(cell):
                bad.add((r, c))
                ctx.problems.error(table.name, table.lines[r], table.column(c),
                                   f"« {cell[:40]} » commence par {cell.lstrip()[0]} : un tableur l'exécuterait comme une formule",
                                   "Remplacez la formule par sa valeur (copier, collage spécial « valeurs »), "
                                   "ou retirez le signe en tête", kind="formula")
    return bad


def check_duplicate_columns(table: RawTable, ctx: ParseContext) -> bool:
    """False (and an error) when two columns the format reads have the same name once normalised."""
    seen: dict[str, int] = {}
    ok = True
    for i, key in enumerate(table.keys):
        if not key or key in DESCRIPTIVE:
            continue
        if key in seen:
            ctx.problems.error(table.name, table.header_line, table.column(i),
                               f"deux colonnes « {key} » ({table.column(seen[key])} et {table.column(i)}) : "
                               "impossible de savoir laquelle lire",
                               "Gardez une seule colonne de ce nom (supprimez ou renommez l'autre)", kind="columns")
            ok = False
        else:
            seen[key] = i
    for canonical, aliases in ALIASES.items():  # two names of one meaning: « valeur » and « numerateur »
        both = [i for i, key in enumerate(table.keys) if key in aliases]
        if len(both) > 1 and len({table.keys[i] for i in both}) > 1:
            ctx.problems.error(table.name, table.header_line, table.column(both[1]),
                               f"deux colonnes veulent dire « {canonical} » ({' et '.join(table.column(i) for i in both)}) : "
                               "impossible de savoir laquelle lire",
                               "Gardez une seule de ces colonnes (supprimez l'autre, ou renommez-la, par exemple "
                               "« remarque », pour qu'elle soit ignorée)", kind="columns")
            ok = False
    return ok


def site_code(raw: str) -> str:
    """A UAI as people type it: ' 973 1183y ' -> '9731183Y' (spaces, non-breaking spaces, lower case)."""
    return "".join(str(raw).split()).upper()


def check_entity(level: str, raw: str, ctx: ParseContext, where: tuple) -> str | None:
    """The entity id when known; else record the problem and return None."""
    t = ctx.territory
    value = raw.strip()
    if level == "site":
        value = site_code(value)
        problem = uai_problem(value)
        if problem:
            ctx.problems.error(*where, f"UAI invalide : {problem}",
                               "Corrigez le code (7 chiffres et la lettre de contrôle, voir l'annuaire de l'éducation)",
                               kind="uai")
            return None
        if value not in ctx.sites:
            ctx.problems.error(*where, f"UAI {value} inconnu du référentiel des établissements",
                               "Vérifiez le code, ou importez d'abord l'annuaire de l'éducation qui contient cet établissement",
                               kind="unknown_uai")
            return None
        return value
    if level == "commune":
        codes = set(t.communes["insee"])
        if value not in codes:
            by_name = {normalise_name(n): c for c, n in zip(t.communes["insee"], t.communes["name"])}
            hint = by_name.get(normalise_name(value))
            # The example is the territory's most populated commune (its own code and name, from communes.csv).
            big = t.communes.loc[t.communes["population"].idxmax()] if len(t.communes) else None
            example = f" (par exemple {big['insee']} pour {big['name']})" if big is not None else ""
            ctx.problems.error(*where, f"code commune « {value} » inconnu du territoire",
                               f"Utilisez le code INSEE à 5 chiffres{f' (pour {value} : {hint})' if hint else example}",
                               kind="commune")
            return None
        return value
    if value and value != t.academie_code and normalise_name(value) not in (normalise_name(t.academie_name),
                                                                             normalise_name(t.name)):
        ctx.problems.error(*where, f"académie « {value} » inconnue",
                           f"Écrivez {t.academie_code} ({t.academie_name}) ou laissez la cellule vide", kind="academie")
        return None
    return t.academie_code


def lookup_indicator(raw: str, ctx: ParseContext, where: tuple) -> Indicator | None:
    key = normalise_name(raw)
    try:
        return ctx.catalog.indicator(key)
    except KeyError:
        close = suggest(key, ctx.catalog.ids)
        ctx.problems.error(*where, f"indicateur « {raw} » inconnu de la feuille de route",
                           ("Identifiants proches : " + ", ".join(close) if close else
                            "Utilisez un identifiant de la feuille de route (voir le modèle, onglet « indicateurs »)"),
                           kind="indicator")
        return None


def make_fact(ind: Indicator, level: str, entity: str, value_cell: str, den_cell: str, decimal: str,
              ctx: ParseContext, file: str, line: int, value_col: str, den_col: str | None) -> dict | None:
    """One fact from its cells, or None after recording what is wrong."""
    p = ctx.problems
    percent = value_cell.strip().endswith("%")
    try:
        value = parse_number(value_cell.strip().rstrip("%"), decimal,
                             "decimal" if percent else UNIT_KINDS.get(ind.unit, "decimal"))
    except NotANumber as exc:
        if ind.unit == "deliverable" and normalise_name(value_cell) in ("oui", "non"):
            value = 1.0 if normalise_name(value_cell) == "oui" else 0.0
        else:
            p.error(file, line, value_col, *number_problem(value_cell, exc), kind="number")
            return None
    denominator = None
    if den_cell.strip():
        try:
            denominator = parse_number(den_cell, decimal, "count")
        except NotANumber as exc:
            p.error(file, line, den_col, *number_problem(den_cell, exc, "dénominateur "), kind="number")
            return None
    label = f"« {ind.id} » ({UNITS[ind.unit]})"
    if value < 0 or (denominator is not None and denominator < 0):
        p.error(file, line, value_col if value < 0 else den_col,
                f"valeur négative ({value_cell if value < 0 else den_cell}) pour {label}",
                "Un nombre, un taux ou un montant de la feuille de route ne peut pas être négatif : corrigez la valeur",
                kind="negative")
        return None
    if ind.rollup in ("ratio", "weighted_mean"):
        if denominator is None:
            p.error(file, line, den_col or value_col, f"dénominateur manquant pour {label}",
                    f"Donnez le dénominateur ({ind.denominator_label}) dans la colonne « denominateur »"
                    + (f" ou « {ind.id}{DENOMINATOR_SUFFIX} »" if den_col is None else ""), kind="denominator")
            return None
        if ind.unit == "rate":
            if percent:
                if value > 100:
                    p.error(file, line, value_col, f"taux de {value_cell} supérieur à 100 %",
                            "Un taux ne peut pas dépasser 100 % : vérifiez la valeur", kind="rate")
                    return None
                value = round(value / 100 * denominator, 6)
            if denominator == 0 and value > 0:
                p.error(file, line, den_col, "dénominateur nul pour un numérateur non nul",
                        "Corrigez le dénominateur (l'effectif de référence)", kind="rate")
                return None
            if value > denominator:
                p.error(file, line, value_col, f"le numérateur ({value_cell}) dépasse le dénominateur ({den_cell}) : "
                        "le taux dépasserait 100 %",
                        "Vérifiez que la colonne « valeur » donne le numérateur et « denominateur » l'effectif total",
                        kind="rate")
                return None
    else:
        if percent:
            p.error(file, line, value_col, f"« {value_cell} » est un pourcentage, or {label} n'est pas un taux",
                    "Donnez la valeur elle-même, sans %", kind="number")
            return None
        denominator = None
        if ind.unit == "count" and not float(value).is_integer():
            p.error(file, line, value_col, f"« {value_cell} » n'est pas un nombre entier, or {label} compte des unités",
                    "Donnez un nombre entier (vérifiez le séparateur décimal et les milliers)", kind="number")
            return None
        if ind.unit == "deliverable" and value not in (0.0, 1.0):
            p.error(file, line, value_col, f"« {value_cell} » pour le livrable {label}",
                    "Écrivez 1 (réalisé) ou 0 (non réalisé)", kind="number")
            return None
    return {"indicator_id": ind.id, "entity_level": level, "entity_id": entity, "value": float(value),
            "denominator": None if denominator is None else float(denominator), "file": file, "line": line,
            "column": value_col}


def check_level(ind: Indicator, level: str, ctx: ParseContext, where: tuple, column_hint: str) -> bool:
    if ind.level == level:
        return True
    ctx.problems.error(*where, f"l'indicateur « {ind.id} » se mesure au niveau {LEVELS[ind.level]}, pas {LEVELS[level]}",
                       f"Donnez-le dans la colonne « {ENTITY_COLUMNS[ind.level]} » ({column_hint})", kind="level")
    return False


def territory_rows(table: RawTable, uai_i: int, ctx: ParseContext) -> list[int]:
    """Rows of the territory's sites (national exports hold every académie): UAI starting with its prefix."""
    prefix = ctx.territory.uai_prefix
    keep = [r for r, row in enumerate(table.rows) if site_code(row[uai_i]).startswith(ctx.territory.uai_prefixes)]
    if not keep:
        ctx.problems.error(table.name, None, table.column(uai_i),
                           f"aucune ligne d'un établissement du territoire (UAI commençant par {prefix})",
                           "Vérifiez que l'export porte sur la bonne académie")
    return keep


def indicator_for_export(export: str, ctx: ParseContext, table: RawTable) -> Indicator | None:
    """The indicator the roadmap feeds with this export ([exports] of roadmap.toml)."""
    ind_id = ctx.catalog.exports.get(export)
    try:
        return ctx.catalog.indicator(ind_id)
    except KeyError:
        ctx.problems.error(table.name, None, None,
                           f"la feuille de route ne dit pas quel indicateur cet export alimente ({export})",
                           f"Ajoutez {export} = \"<indicateur>\" à la table [exports] de roadmap.toml, "
                           "ou convertissez l'export au format long")
        return None
