"""The wide format: one row per entity, one column per indicator (and `<indicator>_denominateur` for rates)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from observatoire.ingest import vector
from observatoire.ingest.checks import check_duplicate_columns, check_entity, check_level, make_fact
from observatoire.ingest.columns import ALIASES, DENOMINATOR_SUFFIX, DESCRIPTIVE, ENTITY_COLUMNS, resolve
from observatoire.ingest.parse_context import ParseContext
from observatoire.ingest.raw_table import RawTable
from observatoire.ingest.screening import (decoded, facts_frame, finish, indicator_arrays, screen_entities, screen_values,
                                           slow_rows, valid_mask)
from observatoire.ingest.text import suggest

LABEL = "format large (une ligne par entité, une colonne par indicateur)"


def parse_wide(table: RawTable, ctx: ParseContext) -> None:
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
            if check_level(ind, level, ctx, (table.name, table.header_line, table.column(i)),
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
    entity = screen_entities(level, table.columns[ent_i], ctx)
    fast &= valid_mask(entity)
    entity = decoded(entity)
    ind_list = [ctx.catalog.indicator(i) for i in columns]
    props = indicator_arrays(ind_list)
    cells = []
    for k, (ind_id, i) in enumerate(columns.items()):
        empty = vector.is_empty(table.columns[i])
        den_i = denominators.get(ind_id)
        ok, value, den = screen_values(props, np.full(n, k), table.columns[i],
                                       table.columns[den_i] if den_i is not None else None, table.decimal)
        fast &= ok | empty
        cells.append((ind_id, i, ~empty, value, den))
    rows = np.flatnonzero(fast)
    frames = []
    for k, (ind_id, i, present, value, den) in enumerate(cells):
        keep = rows[present[rows]]
        frames.append(facts_frame(ctx, table, keep, ind_id, level, entity.take(pa.array(keep)), value[keep], den[keep],
                                  table.column(i),
                                  keep * (len(cells) + 1) + k))
    facts = []
    for r, row, bad in slow_rows(table, np.flatnonzero(~fast), ctx):
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
    finish(ctx, frames)
