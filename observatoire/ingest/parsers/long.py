"""The long format: one row per entity and indicator (uai or code_commune or academie, indicateur, valeur,
denominateur)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from observatoire.model.catalog import LEVELS
from observatoire.ingest import vector
from observatoire.ingest.checks import (check_entity, check_level, lookup_indicator, make_fact,
                                        require)
from observatoire.ingest.columns import ENTITY_COLUMNS, resolve
from observatoire.ingest.parse_context import ParseContext
from observatoire.ingest.raw_table import RawTable
from observatoire.ingest.screening import (LEVEL_CODES, decoded, facts_frame, finish, indicator_arrays, screen_entities,
                                           screen_values, slow_rows, valid_mask)
from observatoire.ingest.text import normalise_name
from observatoire.ingest.vector import map_distinct

LABEL = "format long (une ligne par entité et indicateur)"


def parse_long(table: RawTable, ctx: ParseContext) -> None:
    found = require(table, ["indicateur", "valeur"], ctx, LABEL)
    entity_cols = {level: resolve(table, col) for level, col in ENTITY_COLUMNS.items()}
    entity_cols = {k: v for k, v in entity_cols.items() if v is not None}
    if found is None:
        return
    if not entity_cols:
        ctx.problems.error(table.name, table.header_line, None, "aucune colonne d'entité (uai, code_commune ou academie)",
                           "Ajoutez une colonne « uai » (établissements), « code_commune » ou « academie »")
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
    props = indicator_arrays(inds)
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
            screened = screen_entities(lvl, cells, ctx)
            if use.all():
                entity = screened
            else:  # several levels in the file: one plain column
                entity = pc.if_else(pa.array(use), decoded(screened),
                                    pa.nulls(n, pa.string()) if entity is None else vector.as_array(
                                        decoded(entity) if isinstance(entity, pa.DictionaryArray) else entity))
    if entity is None:
        entity = pa.nulls(n, pa.string())
    fast &= valid_mask(entity) if isinstance(entity, pa.DictionaryArray) else entity.is_valid().to_numpy(zero_copy_only=False)
    ok, value, den = screen_values(props, code, table.columns[value_i],
                                   table.columns[den_i] if den_i is not None else None, table.decimal)
    fast &= ok
    rows = np.flatnonzero(fast)
    level_names = pa.array(list(LEVEL_CODES) + ["academie"])
    index = pa.array(rows)
    codes = (pa.DictionaryArray.from_arrays(pa.array(code[rows], pa.int32()), pa.array(ids + [""])),
             pa.DictionaryArray.from_arrays(pa.array(level_of[rows], pa.int32()), level_names),
             entity.take(index) if isinstance(entity, pa.DictionaryArray) else None)
    frames = [facts_frame(ctx, table, rows, decoded(codes[0]), decoded(codes[1]),
                          decoded(codes[2]) if codes[2] is not None else entity.take(index), value[rows], den[rows],
                          table.column(value_i), rows)]
    if codes[2] is None:
        codes = None
    # The per-row rules for every other row: their facts, or their messages.
    facts = []
    for r, row, bad in slow_rows(table, np.flatnonzero(~fast), ctx):
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
            check_level(ind, level, ctx, (table.name, line, table.column(filled_row[level])),
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
    finish(ctx, frames, codes)
