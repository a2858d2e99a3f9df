"""The import formats: long, wide, annuaire de l'éducation, ENT audience per week, Pix certification.

Each parser turns a RawTable into fact records (or site records for the annuaire), recording every
problem with its line and column. Column names are matched after normalise_name(), through ALIASES.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from observatoire.model.catalog import LEVELS, UNITS, Catalog, Indicator
from observatoire.model.dates import school_year, school_year_bounds
from observatoire.model.territory import Territory
from observatoire.model.uai import uai_problem
from observatoire.ingest.problems import Collector
from observatoire.ingest.reader import RawTable
from . import vector
from observatoire.ingest.text import NotANumber, formula_risk, normalise_name, parse_date, parse_number, suggest
from observatoire.ingest.vector import map_distinct, parse_numbers

FORMATS = {
    "long": "format long (une ligne par entité et indicateur)",
    "wide": "format large (une ligne par entité, une colonne par indicateur)",
    "annuaire": "annuaire de l'éducation",
    "ent": "audience de l'ENT par établissement et par semaine",
    "pix": "certification Pix par établissement",
}
# canonical column -> accepted normalised names
ALIASES = {
    "uai": ["uai", "code_uai", "numero_uai", "uai_etablissement", "code_rne", "rne", "numero_ecole",
            "identifiant_de_l_etablissement", "identifiant_etablissement"],
    "code_commune": ["code_commune", "code_insee", "insee", "commune_code", "code_commune_insee"],
    "academie": ["academie", "code_academie", "academie_code"],
    "indicateur": ["indicateur", "indicator_id", "id_indicateur", "identifiant_indicateur", "code_indicateur"],
    "valeur": ["valeur", "value", "numerateur", "valeur_numerateur"],
    "denominateur": ["denominateur", "denominator", "valeur_denominateur"],
    "debutsemaine": ["debutsemaine", "debut_semaine", "semaine"],
}
ENTITY_COLUMNS = {"site": "uai", "commune": "code_commune", "academie": "academie"}
# Descriptive columns a wide file may carry; they are not indicators and are ignored.
DESCRIPTIVE = {"nom", "nom_etablissement", "etablissement", "libelle", "commune", "nom_commune", "type",
               "type_etablissement", "circonscription", "nom_circonscription", "remarque", "remarques",
               "commentaire", "commentaires", "observations", "secteur", "degre"}
DENOMINATOR_SUFFIX = "_denominateur"
# The roadmap indicators the open-data exports feed: declared by each roadmap ([exports] of roadmap.toml).
ENT_EXPORTS = {"utilisateurs": "ent_utilisateurs", "visites": "ent_visites"}
PIX_EXPORT = "pix_certifies"
SITE_TYPES = {"ecole": "ecole", "college": "college", "lycee": "lycee"}
NUMBER_HINT = "Écrivez un nombre (par exemple 1 234,5) ; laissez la cellule vide si la donnée manque"


@dataclass
class Context:
    catalog: Catalog
    territory: Territory
    sites: dict[str, int]  # known UAI -> degree
    snapshot: date | None
    problems: Collector
    facts: list[dict] = field(default_factory=list)  # facts of the per-row parsers (ENT, Pix)
    frames: list[pd.DataFrame] = field(default_factory=list)  # facts of the vectorised parsers (long, wide)
    codes: list[tuple | None] = field(default_factory=list)  # per frame: its key columns dictionary-encoded, or None
    site_codes: pa.Array | None = None  # the keys of `sites` as Arrow strings, when known (else built from the dict)


def resolve(table: RawTable, canonical: str) -> int | None:
    """Index of the column that means `canonical` (through its aliases), or None."""
    return resolve_key(table.keys, canonical)


def resolve_key(keys: list[str], canonical: str) -> int | None:
    for alias in ALIASES.get(canonical, [canonical]):
        if alias in keys:
            return keys.index(alias)
    return None


def detect_format(table: RawTable, catalog: Catalog) -> str | None:
    return detect_keys(table.keys, catalog)


def recogniser(catalog: Catalog):
    """For the reader: is this row (normalised names) a header of a known format? Finds it below title rows."""
    return lambda keys: len(keys) >= 2 and detect_keys(keys, catalog) is not None


def detect_keys(keys_list: list[str], catalog: Catalog) -> str | None:
    keys = set(keys_list)
    if "identifiant_de_l_etablissement" in keys and ({"nom_etablissement", "type_etablissement"} & keys):
        return "annuaire"
    if ({"debutsemaine", "debut_semaine"} & keys) and any(k.startswith(("visites_", "utilisateurs_")) for k in keys):
        return "ent"
    if "certifies" in keys and resolve_key(keys_list, "uai") is not None:
        return "pix"
    if resolve_key(keys_list, "indicateur") is not None and resolve_key(keys_list, "valeur") is not None:
        return "long"
    ids = set(catalog.ids)
    if any(resolve_key(keys_list, c) is not None for c in ENTITY_COLUMNS.values()) and \
            any(k in ids or k.removesuffix(DENOMINATOR_SUFFIX) in ids for k in keys):
        return "wide"
    return None


def require(table: RawTable, columns: list[str], ctx: Context, fmt: str) -> dict[str, int] | None:
    found = {c: resolve(table, c) for c in columns}
    missing = [c for c, i in found.items() if i is None]
    if missing:
        ctx.problems.error(table.name, table.header_line, None,
                           f"colonne(s) obligatoire(s) absente(s) pour le {FORMATS[fmt]} : {', '.join(missing)} "
                           f"(colonnes lues : {', '.join(table.header[:12])}{'…' if len(table.header) > 12 else ''})",
                           "Ajoutez ou renommez la colonne (la casse, les accents et les espaces ne comptent pas), "
                           "ou choisissez un autre format")
        return None
    return found


def check_formulas(table: RawTable, ctx: Context, columns: list[int] | None = None,
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


def check_duplicate_columns(table: RawTable, ctx: Context) -> bool:
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
    return ok


def site_code(raw: str) -> str:
    """A UAI as people type it: ' 973 1183y ' -> '9731183Y' (spaces, non-breaking spaces, lower case)."""
    return "".join(str(raw).split()).upper()


def check_entity(level: str, raw: str, ctx: Context, where: tuple) -> str | None:
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


def lookup_indicator(raw: str, ctx: Context, where: tuple) -> Indicator | None:
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
              ctx: Context, file: str, line: int, value_col: str, den_col: str | None) -> dict | None:
    """One fact from its cells, or None after recording what is wrong."""
    p = ctx.problems
    percent = value_cell.strip().endswith("%")
    try:
        value = parse_number(value_cell.strip().rstrip("%"), decimal)
    except NotANumber:
        if ind.unit == "deliverable" and normalise_name(value_cell) in ("oui", "non"):
            value = 1.0 if normalise_name(value_cell) == "oui" else 0.0
        else:
            p.error(file, line, value_col, f"« {value_cell} » n'est pas un nombre", NUMBER_HINT, kind="number")
            return None
    denominator = None
    if den_cell.strip():
        try:
            denominator = parse_number(den_cell, decimal)
        except NotANumber:
            p.error(file, line, den_col, f"dénominateur « {den_cell} » n'est pas un nombre", NUMBER_HINT, kind="number")
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


def _level_check(ind: Indicator, level: str, ctx: Context, where: tuple, column_hint: str) -> bool:
    if ind.level == level:
        return True
    ctx.problems.error(*where, f"l'indicateur « {ind.id} » se mesure au niveau {LEVELS[ind.level]}, pas {LEVELS[level]}",
                       f"Donnez-le dans la colonne « {ENTITY_COLUMNS[ind.level]} » ({column_hint})", kind="level")
    return False


# --- long and wide: a vectorised screen, then the per-row rules for the rows it does not clear -----------

LEVEL_CODES = {"site": 0, "commune": 1, "academie": 2}


def _indicator_arrays(inds: list[Indicator | None]) -> dict[str, np.ndarray]:
    """Per-indicator properties as arrays (index = position in `inds`; None = unknown indicator)."""
    def prop(f, default):
        return np.array([f(i) if i is not None else default for i in inds])
    return {"level": prop(lambda i: LEVEL_CODES[i.level], -1),
            "ratio": prop(lambda i: i.rollup in ("ratio", "weighted_mean"), False),
            "rate": prop(lambda i: i.rollup in ("ratio", "weighted_mean") and i.unit == "rate", False),
            "count": prop(lambda i: i.rollup not in ("ratio", "weighted_mean") and i.unit == "count", False),
            "deliverable": prop(lambda i: i.rollup not in ("ratio", "weighted_mean") and i.unit == "deliverable", False)}


def _screen_values(props: dict[str, np.ndarray], code: np.ndarray, value_cells, den_cells, decimal: str):
    """(ok, value, denominator) of cells whose indicator is `code` (index into props): ok means make_fact would
    accept the cells and give exactly these numbers. Anything unusual is left to make_fact."""
    value, ok = parse_numbers(value_cells, decimal)
    if den_cells is not None:
        den, den_ok = parse_numbers(den_cells, decimal)
        den_empty = vector.is_empty(den_cells)
        den = np.where(den_empty, np.nan, den)
        ok &= den_ok | den_empty
    else:
        den = np.full(len(value), np.nan)
    ratio, rate = props["ratio"][code], props["rate"][code]
    ok &= (value >= 0) & ~(den < 0)
    ok &= ~ratio | ~np.isnan(den)
    ok &= ~rate | ((value <= den) & ~((den == 0) & (value > 0)))
    ok &= ~props["count"][code] | (np.mod(value, 1) == 0)
    ok &= ~props["deliverable"][code] | (value == 0) | (value == 1)
    den = np.where(ratio, den, np.nan)
    return ok, value, den


def _entity_screen(level: str, cells, ctx: Context) -> pa.DictionaryArray:
    """The entity id of each cell when check_entity would accept it silently, else null (dictionary-encoded:
    the keys of the facts reuse it)."""
    t = ctx.territory
    if level == "site":
        known = ctx.sites
        encoded = pc.dictionary_encode(vector.as_array(cells))
        upper = pc.utf8_upper(encoded.dictionary)
        codes = ctx.site_codes if ctx.site_codes is not None else pa.array(list(known), pa.string())
        member = pc.is_in(upper, value_set=codes)
        others = np.flatnonzero(~member.to_numpy(zero_copy_only=False))
        if len(others):  # lower case was handled; spaces inside, unknown or malformed codes
            codes = [site_code(text) for text in upper.take(pa.array(others)).to_pylist()]
            fixed = pa.array([code if code in known else None for code in codes], pa.string())
            upper = pc.replace_with_mask(upper, pc.invert(member), fixed)
        return pa.DictionaryArray.from_arrays(encoded.indices, upper)
    if level == "commune":
        codes = set(t.communes["insee"])
        return vector.map_text(cells, lambda v: v if v in codes else None)
    names = (normalise_name(t.academie_name), normalise_name(t.name))
    return vector.map_text(cells, lambda v: t.academie_code if (not v or v == t.academie_code or normalise_name(v) in names)
                           else None)


def _valid(entity: pa.DictionaryArray) -> np.ndarray:
    return entity.dictionary.is_valid().to_numpy(zero_copy_only=False)[entity.indices.to_numpy(zero_copy_only=False)]


def _decoded(entity: pa.DictionaryArray) -> pa.Array:
    return entity.dictionary.take(entity.indices)


def _facts_frame(ctx: Context, table: RawTable, rows: np.ndarray, inds, level, entity: np.ndarray, value: np.ndarray,
                 den: np.ndarray, column: str, order) -> pd.DataFrame:
    """The facts of the cleared rows, built as Arrow columns (no Python string per row)."""
    n = len(rows)

    def const(v: str) -> pa.Array:  # n times the same text, built from its bytes
        data = v.encode("utf-8")
        return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(np.arange(n + 1, dtype=np.int64) * len(data)),
                                                             pa.py_buffer(data * n)])

    def text(v) -> pa.Array:
        return const(v) if isinstance(v, str) else v
    frame = pa.table({"indicator_id": text(inds), "entity_level": text(level), "entity_id": entity,
                      "value": pa.array(value.astype(float)), "denominator": pa.array(den.astype(float), from_pandas=True),
                      "file": const(table.name), "line": pa.array(table.lines[rows]), "column": const(column),
                      "_order": pa.array(np.asarray(order, dtype=np.int64))})
    return frame.to_pandas()


SLOW_CHUNK = 20_000  # rows judged by the per-row rules at a time (their formulas first, then each row)


def _slow_rows(table: RawTable, rows: np.ndarray, ctx: Context, columns: list[int] | None = None):
    """(row index, cells, formula cells) of the given rows only, chunk by chunk, so that a file refused early
    (Collector.should_stop) is not turned into Python lists beyond what is read."""
    for start in range(0, len(rows), SLOW_CHUNK):
        part = rows[start:start + SLOW_CHUNK]
        index = pa.array(part)
        cells = [c.take(index).to_pylist() for c in table.columns]
        chunk = [(int(r), list(row)) for r, row in zip(part, zip(*cells))]
        bad = check_formulas(table, ctx, columns, rows=chunk)
        for r, row in chunk:
            yield r, row, bad
        if ctx.problems.errors_by_file.get(table.name, 0) < 0:  # reading stopped
            return


def _finish(ctx: Context, frames: list[pd.DataFrame], codes: tuple | None = None) -> None:
    """The facts of a table in file order; `codes` (the key columns of frames[0], encoded) are kept when they
    still describe the result: frames[0] alone, in order."""
    filled = [f for f in frames if len(f)]
    if not filled:
        return
    if len(filled) == 1 and filled[0]["_order"].is_monotonic_increasing:
        ctx.frames.append(filled[0].drop(columns="_order").reset_index(drop=True))
        ctx.codes.append(codes if filled[0] is frames[0] else None)
        return
    frame = pd.concat(filled, ignore_index=True)
    ctx.frames.append(frame.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True))
    ctx.codes.append(None)


def parse_long(table: RawTable, ctx: Context) -> None:
    found = require(table, ["indicateur", "valeur"], ctx, "long")
    entity_cols = {level: resolve(table, col) for level, col in ENTITY_COLUMNS.items()}
    entity_cols = {k: v for k, v in entity_cols.items() if v is not None}
    if found is None:
        return
    if not entity_cols:
        ctx.problems.error(table.name, table.header_line, None, "aucune colonne d'entité (uai, code_commune ou academie)",
                           "Ajoutez une colonne « uai » (établissements), « code_commune » ou « academie »")
        return
    if not check_duplicate_columns(table, ctx):
        return
    den_i = resolve(table, "denominateur")
    ind_i, value_i = found["indicateur"], found["valeur"]
    n = table.n_rows
    # The screen: rows certainly valid, with their facts computed for the whole column at once.
    fast = np.ones(n, dtype=bool)
    for column in table.columns:
        fast &= ~vector.formula_candidates(column)
    ids = list(ctx.catalog.ids)
    position = {i: k for k, i in enumerate(ids)}
    code = map_distinct(table.columns[ind_i], lambda v: position.get(normalise_name(v), -1) if v else -1, -1, dtype=np.int64)
    inds = [ctx.catalog.indicator(i) for i in ids] + [None]
    props = _indicator_arrays(inds)
    fast &= code >= 0
    level_of = props["level"][code]
    filled = {lvl: ~vector.is_empty(table.columns[i]) for lvl, i in entity_cols.items()}
    any_filled = np.zeros(n, dtype=bool)
    for mask in filled.values():
        any_filled |= mask
    entity = None
    for lvl, lvl_code in LEVEL_CODES.items():
        rows = level_of == lvl_code
        if lvl in filled:
            use = rows & filled[lvl]
            if lvl == "academie":
                use |= rows & ~any_filled
        elif lvl == "academie":
            use = rows & ~any_filled
        else:
            use = np.zeros(n, dtype=bool)
        fast &= use | ~rows
        if use.any():
            cells = table.columns[entity_cols[lvl]] if lvl in entity_cols else pa.array([""] * n)
            screened = _entity_screen(lvl, cells, ctx)
            if use.all():
                entity = screened
            else:  # several levels in the file: one plain column
                entity = pc.if_else(pa.array(use), _decoded(screened),
                                    pa.nulls(n, pa.string()) if entity is None else vector.as_array(
                                        _decoded(entity) if isinstance(entity, pa.DictionaryArray) else entity))
    if entity is None:
        entity = pa.nulls(n, pa.string())
    fast &= _valid(entity) if isinstance(entity, pa.DictionaryArray) else entity.is_valid().to_numpy(zero_copy_only=False)
    ok, value, den = _screen_values(props, code, table.columns[value_i],
                                    table.columns[den_i] if den_i is not None else None, table.decimal)
    fast &= ok
    rows = np.flatnonzero(fast)
    level_names = pa.array(list(LEVEL_CODES) + ["academie"])
    index = pa.array(rows)
    codes = (pa.DictionaryArray.from_arrays(pa.array(code[rows], pa.int32()), pa.array(ids + [""])),
             pa.DictionaryArray.from_arrays(pa.array(level_of[rows], pa.int32()), level_names),
             entity.take(index) if isinstance(entity, pa.DictionaryArray) else None)
    frames = [_facts_frame(ctx, table, rows, _decoded(codes[0]), _decoded(codes[1]),
                           _decoded(codes[2]) if codes[2] is not None else entity.take(index), value[rows], den[rows],
                           table.column(value_i), rows)]
    if codes[2] is None:
        codes = None
    # The per-row rules for every other row: their facts, or their messages.
    facts = []
    for r, row, bad in _slow_rows(table, np.flatnonzero(~fast), ctx):
        line = table.lines[r]
        if ctx.problems.should_stop(table.name, line):
            break
        if any((r, c) in bad for c in range(len(row))):
            continue
        if not row[ind_i]:
            ctx.problems.error(table.name, line, table.column(ind_i), "identifiant d'indicateur vide",
                               "Indiquez l'identifiant de l'indicateur (voir le modèle)", kind="indicator")
            continue
        ind = lookup_indicator(row[ind_i], ctx, (table.name, line, table.column(ind_i)))
        if ind is None:
            continue
        filled_row = {lvl: i for lvl, i in entity_cols.items() if row[i].strip()}
        if ind.level in filled_row:
            level, col = ind.level, filled_row[ind.level]
        elif ind.level == "academie" and not filled_row:
            level, col = "academie", entity_cols.get("academie")
        elif filled_row:
            level = next(iter(filled_row))
            _level_check(ind, level, ctx, (table.name, line, table.column(filled_row[level])),
                         "niveau de mesure de la feuille de route")
            continue
        else:
            want = entity_cols.get(ind.level)
            ctx.problems.error(table.name, line, table.column(want) if want is not None else None,
                               f"entité manquante pour « {ind.id} » (niveau {LEVELS[ind.level]})",
                               f"Renseignez la colonne « {ENTITY_COLUMNS[ind.level]} »", kind="entity")
            continue
        where = (table.name, line, table.column(col) if col is not None else None)
        ent = check_entity(level, row[col] if col is not None else "", ctx, where)
        if ent is None:
            continue
        if not row[value_i].strip():
            ctx.problems.error(table.name, line, table.column(value_i), "valeur vide",
                               "Donnez la valeur, ou supprimez la ligne si la donnée manque", kind="number")
            continue
        fact = make_fact(ind, level, ent, row[value_i], row[den_i] if den_i is not None else "", table.decimal,
                         ctx, table.name, line, table.column(value_i), table.column(den_i) if den_i is not None else None)
        if fact:
            facts.append({**fact, "_order": r})
    frames.append(pd.DataFrame(facts))
    _finish(ctx, frames, codes)


def parse_wide(table: RawTable, ctx: Context) -> None:
    entity_cols = [(level, resolve(table, col)) for level, col in ENTITY_COLUMNS.items()]
    entity_cols = [(lvl, i) for lvl, i in entity_cols if i is not None]
    if not entity_cols:
        ctx.problems.error(table.name, table.header_line, None,
                           "colonne d'entité absente : le format large demande « uai », « code_commune » ou « academie »",
                           "Ajoutez cette colonne en tête du tableau (une ligne par entité)")
        return
    if not check_duplicate_columns(table, ctx):
        return
    level, ent_i = entity_cols[0]
    ignored = {i for _, i in entity_cols}
    ids = set(ctx.catalog.ids)
    columns, denominators = {}, {}
    for i, key in enumerate(table.keys):
        if i in ignored or key in DESCRIPTIVE or key in ALIASES["academie"]:
            continue
        base = key.removesuffix(DENOMINATOR_SUFFIX)
        if key.endswith(DENOMINATOR_SUFFIX) and base in ids:
            denominators[base] = i
        elif key in ids:
            ind = ctx.catalog.indicator(key)
            if _level_check(ind, level, ctx, (table.name, table.header_line, table.column(i)),
                            "une ligne par entité de ce niveau, dans un autre fichier"):
                columns[key] = i
        else:
            close = suggest(key, sorted(ids))
            ctx.problems.error(table.name, table.header_line, table.column(i),
                               f"colonne « {table.header[i]} » : ni un identifiant d'indicateur, ni une colonne connue",
                               ("Identifiants proches : " + ", ".join(close) if close else
                                "Renommez-la avec un identifiant de la feuille de route (voir le modèle) ou supprimez-la"),
                               kind="indicator")
    if not columns:
        return
    n = table.n_rows
    # The screen: a row is cleared when none of its cells may be a formula, its entity is known and each of
    # its indicator cells is empty or certainly valid; other rows go through the per-row rules.
    fast = np.ones(n, dtype=bool)
    for column in table.columns:
        fast &= ~vector.formula_candidates(column)
    if level == "academie":
        entity = _entity_screen("academie", table.columns[ent_i], ctx)
    else:
        entity = _entity_screen(level, table.columns[ent_i], ctx)
    fast &= _valid(entity)
    entity = _decoded(entity)
    ind_list = [ctx.catalog.indicator(i) for i in columns]
    props = _indicator_arrays(ind_list)
    cells = []
    for k, (ind_id, i) in enumerate(columns.items()):
        empty = vector.is_empty(table.columns[i])
        den_i = denominators.get(ind_id)
        ok, value, den = _screen_values(props, np.full(n, k), table.columns[i],
                                        table.columns[den_i] if den_i is not None else None, table.decimal)
        fast &= ok | empty
        cells.append((ind_id, i, ~empty, value, den))
    rows = np.flatnonzero(fast)
    frames = []
    for k, (ind_id, i, present, value, den) in enumerate(cells):
        keep = rows[present[rows]]
        frames.append(_facts_frame(ctx, table, keep, ind_id, level, entity.take(pa.array(keep)), value[keep], den[keep],
                                   table.column(i),
                                   keep * (len(cells) + 1) + k))
    facts = []
    for r, row, bad in _slow_rows(table, np.flatnonzero(~fast), ctx):
        line = table.lines[r]
        if ctx.problems.should_stop(table.name, line):
            break
        if (r, ent_i) in bad:
            continue
        if level == "academie" and not row[ent_i].strip():
            ent = ctx.territory.academie_code
        else:
            ent = check_entity(level, row[ent_i], ctx, (table.name, line, table.column(ent_i)))
        if ent is None:
            continue
        for k, (ind_id, i) in enumerate(columns.items()):
            cell = row[i]
            den_i = denominators.get(ind_id)
            if not cell.strip() or (r, i) in bad or (den_i is not None and (r, den_i) in bad):
                continue
            fact = make_fact(ctx.catalog.indicator(ind_id), level, ent, cell, row[den_i] if den_i is not None else "",
                             table.decimal, ctx, table.name, line, table.column(i),
                             table.column(den_i) if den_i is not None else None)
            if fact:
                facts.append({**fact, "_order": r * (len(columns) + 1) + k})
    frames.append(pd.DataFrame(facts))
    _finish(ctx, frames)


def _territory_rows(table: RawTable, uai_i: int, ctx: Context) -> list[int]:
    """Rows of the territory's sites (national exports hold every académie): UAI starting with its prefix."""
    prefix = ctx.territory.uai_prefix
    keep = [r for r, row in enumerate(table.rows) if site_code(row[uai_i]).startswith(ctx.territory.uai_prefixes)]
    if not keep:
        ctx.problems.error(table.name, None, table.column(uai_i),
                           f"aucune ligne d'un établissement du territoire (UAI commençant par {prefix})",
                           "Vérifiez que l'export porte sur la bonne académie")
    return keep


def _indicator_for_export(export: str, ctx: Context, table: RawTable) -> Indicator | None:
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


def parse_ent(table: RawTable, ctx: Context) -> None:
    found = require(table, ["debutsemaine", "uai", "utilisateurs_globales", "visites_globales"], ctx, "ent")
    if found is None:
        return
    # A roadmap may feed one of the two measures only (e.g. visits, when it counts no monthly users).
    declared = {k: v for k, v in ENT_EXPORTS.items() if v in ctx.catalog.exports} or ENT_EXPORTS
    inds = {k: _indicator_for_export(v, ctx, table) for k, v in declared.items()}
    if None in inds.values():
        return
    # The degrees the ENT indicators cover (a 2nd-degree ENT leaves the écoles out).
    scope = next(iter(inds.values())).scope
    degrees = {"1d": {1}, "2d": {2}}.get(scope, {1, 2})
    uai_i, week_i = found["uai"], found["debutsemaine"]
    rows = _territory_rows(table, uai_i, ctx)
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
                values[key] = parse_number(row[i], table.decimal) if row[i].strip() else 0.0
            except NotANumber:
                ctx.problems.error(table.name, line, table.column(i), f"« {row[i]} » n'est pas un nombre", NUMBER_HINT, kind="number")
                continue
            if values[key] < 0:
                ctx.problems.error(table.name, line, table.column(i), f"valeur négative ({row[i]})",
                                   "Un nombre de visites ou d'utilisateurs ne peut pas être négatif", kind="negative")
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


def _school_year_of(cell: str) -> str | None:
    text = cell.strip().replace("/", "-").replace(" ", "")
    if len(text) == 9 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        return text
    if len(text) == 4 and text.isdigit():
        return f"{int(text) - 1}-{text}"
    return None


def parse_pix(table: RawTable, ctx: Context) -> None:
    found = require(table, ["annee", "uai", "certifies"], ctx, "pix")
    if found is None:
        return
    ind = _indicator_for_export(PIX_EXPORT, ctx, table)
    if ind is None:
        return
    uai_i, year_i, cert_i = found["uai"], found["annee"], found["certifies"]
    part_i = table.index("participants")
    wanted = school_year(ctx.snapshot)
    rows = _territory_rows(table, uai_i, ctx)
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
                if fact["value"] > parse_number(participants, table.decimal):
                    ctx.problems.error(table.name, line, table.column(cert_i),
                                       f"{row[cert_i]} certifiés pour {participants} participants : le numérateur dépasse le dénominateur",
                                       "Vérifiez les colonnes « certifies » et « participants » de cette ligne", kind="rate")
                    continue
            except NotANumber:
                pass
        if fact:
            ctx.facts.append(fact)
    if years and wanted not in years:
        ctx.problems.error(table.name, None, table.column(year_i),
                           f"aucune ligne de l'année scolaire {wanted} (celle de l'instantané) ; années présentes : "
                           f"{', '.join(sorted(years))}",
                           "Choisissez une date d'instantané dans une année présente, ou téléchargez l'export à jour")


# --- annuaire -----------------------------------------------------------------------------------------
ANNUAIRE_COLUMNS = {
    "uai": ["identifiant_de_l_etablissement"],
    "name": ["nom_etablissement"],
    "type": ["type_etablissement"],
    "commune": ["code_commune"],
    "sector": ["statut_public_prive"],
    "ep": ["appartenance_education_prioritaire"],
    "circ_name": ["nom_circonscription"],
    "circ_code": ["code_circonscription"],
    "lat": ["latitude"],
    "lon": ["longitude"],
    "state": ["etat"],
    "pupils": ["nombre_d_eleves"],
}


def parse_annuaire(table: RawTable, ctx: Context) -> tuple[list[dict], dict[str, str]]:
    """Site records of the territory (upserted later) and circonscription code -> name."""
    cols = {k: next((table.keys.index(a) for a in v if a in table.keys), None) for k, v in ANNUAIRE_COLUMNS.items()}
    missing = [ANNUAIRE_COLUMNS[k][0] for k in ("uai", "name", "type", "commune") if cols[k] is None]
    if missing:
        ctx.problems.error(table.name, table.header_line, None,
                           f"colonne(s) obligatoire(s) absente(s) pour l'annuaire : {', '.join(missing)}",
                           "Téléchargez l'export complet de l'annuaire de l'éducation (fr-en-annuaire-education)")
        return [], {}
    rows = _territory_rows(table, cols["uai"], ctx)
    used = [i for k, i in cols.items() if i is not None and k not in ("lat", "lon", "pupils")]
    bad = check_formulas(table, ctx, used)
    communes = set(ctx.territory.communes["insee"])
    sites, circs, skipped = [], {}, {}
    for r in rows:
        row, line = table.rows[r], table.lines[r]
        if any((r, c) in bad for c in used):
            continue
        get = {k: (row[i].strip() if i is not None else "") for k, i in cols.items()}
        where = (table.name, line, table.column(cols["uai"]))
        uai = site_code(get["uai"])
        problem = uai_problem(uai)
        if problem:
            ctx.problems.error(*where, f"UAI invalide : {problem}", "Corrigez le code dans le fichier", kind="uai")
            continue
        site_type = SITE_TYPES.get(normalise_name(get["type"]))
        if site_type is None:
            skipped[get["type"] or "(vide)"] = skipped.get(get["type"] or "(vide)", 0) + 1
            continue
        if get["commune"] not in communes:
            ctx.problems.error(table.name, line, table.column(cols["commune"]),
                               f"code commune « {get['commune']} » inconnu du territoire", "Vérifiez le code INSEE", kind="commune")
            continue
        coords = {}
        for key in ("lat", "lon"):
            if get[key]:
                try:
                    coords[key] = parse_number(get[key], table.decimal)
                except NotANumber:
                    ctx.problems.error(table.name, line, table.column(cols[key]), f"coordonnée « {get[key]} » illisible",
                                       "Écrivez un nombre décimal (4,93 ou 4.93) ou videz la cellule", kind="number")
        pupils = None
        if get["pupils"]:
            try:
                pupils = int(parse_number(get["pupils"], table.decimal))
            except NotANumber:
                pupils = None
        degree = 1 if site_type == "ecole" else 2
        circ_code = get["circ_code"] or None
        if degree == 1 and (get["circ_name"] or circ_code):
            circ_code = circ_code or _circ_code_from_name(get["circ_name"], ctx)
            circs[circ_code] = get["circ_name"] or circ_code
        ep = get["ep"].upper().replace(" ", "")
        sites.append({
            "uai": uai, "name": get["name"], "site_type": site_type, "degree": degree,
            "sector": "privé" if normalise_name(get["sector"]).startswith("prive") else "public",
            "commune_code": get["commune"], "circonscription_code": circ_code if degree == 1 else None,
            "lat": coords.get("lat"), "lon": coords.get("lon"), "pupils": pupils,
            "education_prioritaire": ep if ep in ("REP", "REP+") else "",
            "is_open": normalise_name(get["state"]) != "ferme", "line": line, "file": table.name,
        })
    if skipped:
        ctx.problems.warning(table.name, None, table.column(cols["type"]),
                             "lignes ignorées, types hors écoles, collèges et lycées : "
                             + ", ".join(f"{k} ({v})" for k, v in sorted(skipped.items())), "Rien à faire")
    return sites, circs


def _circ_code_from_name(name: str, ctx: Context) -> str:
    """A circonscription code when the export gives only its name (June 2023 layout)."""
    known = {normalise_name(n): c for c, n in zip(ctx.territory.circonscriptions["code"], ctx.territory.circonscriptions["name"])}
    return known.get(normalise_name(name)) or normalise_name(name).upper()
