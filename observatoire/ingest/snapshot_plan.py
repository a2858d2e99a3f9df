"""The snapshot an import writes: new, a new version of an existing date, or unchanged; and its warnings
against the previous snapshot (sites that stopped reporting, values that jumped)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from observatoire.model.catalog import Catalog
from observatoire.model.dates import format_date_fr, school_year
from observatoire.settings import setting
from observatoire.storage.snapshots import list_snapshots
from observatoire.ingest import vector
from observatoire.ingest.parsers import FACT_PARSERS
from observatoire.ingest.plan import FACT_KEY, SNAPSHOT_SOURCE, ImportPlan
from observatoire.ingest.problems import Collector


def plan_snapshot(plan: ImportPlan, catalog: Catalog, problems: Collector) -> None:
    day = plan.snapshot
    snapshots = list_snapshots(plan.data_dir)
    current = next((s for s in snapshots if s.snapshot_date == day), None)
    imported = plan.facts[FACT_KEY + ["value", "denominator"]]
    fact_sources = [s for s in plan.sources if s.get("format") in FACT_PARSERS]
    if current is not None:
        listed = {s.get("sha256") for s in current.manifest.get("sources", [])}
        if all(s["sha256"] in listed for s in fact_sources):
            plan.snapshot_status = "unchanged"
            return
        if not plan.options["new_version"]:
            problems.error(SNAPSHOT_SOURCE, None, None,
                           f"l'instantané du {format_date_fr(day)} existe déjà ({current.rows} faits, version "
                           f"{current.manifest.get('version', 1)}) ; l'import ne le complète pas sans votre accord",
                           "Choisissez une autre date, ou demandez une nouvelle version (option --new-version, ou la case "
                           "« nouvelle version » de la page) : elle reprendra les faits existants, les valeurs importées "
                           "remplaçant celles de même indicateur et entité, et l'ancienne version restera restaurable")
            return
        existing = pq.read_table(current.path / "facts.parquet").to_pandas()
        merged = existing.merge(imported[FACT_KEY], on=FACT_KEY, how="left", indicator=True)
        replaced = int((merged["_merge"] == "both").sum())
        kept = existing[(merged["_merge"] == "left_only").to_numpy()]
        plan.final_facts = pd.concat([kept, imported], ignore_index=True)
        plan.snapshot_status = "new_version"
        if replaced:
            problems.warning(SNAPSHOT_SOURCE, None, None,
                             f"{replaced} fait(s) de la version {current.manifest.get('version', 1)} remplacé(s) par les valeurs importées",
                             "Rien à faire : l'ancienne version reste restaurable (observatoire snapshots --restore)")
    else:
        # In the snapshot's order already (integer ranks): the writer's sort of the texts then finds them sorted.
        order = plan.fact_keys.sort_order() if plan.fact_keys is not None else None
        if order is not None and (np.diff(order) < 0).any():
            plan.final_facts = imported.take(order).reset_index(drop=True)
        else:
            plan.final_facts = imported.copy()
        plan.snapshot_status = "new"
    previous = [s for s in snapshots if s.snapshot_date < day]
    if previous:
        _compare_with_previous(plan, previous[-1], catalog, problems)


def _compare_with_previous(plan: ImportPlan, previous, catalog: Catalog, problems: Collector) -> None:
    """Warnings: sites that stopped reporting an imported indicator, values that jumped more than x10."""
    old = pq.read_table(previous.path / "facts.parquet", columns=FACT_KEY + ["value", "denominator"])
    when = format_date_fr(previous.snapshot_date)
    facts, final = plan.facts, plan.final_facts
    keys = plan.fact_keys if plan.fact_keys is not None else vector.FactKeys([facts[c] for c in FACT_KEY])
    imported = pc.is_in(old["indicator_id"], value_set=keys.present(0))
    if not pc.all(imported).as_py():
        old = old.filter(imported)
    site = pc.equal(old["entity_level"], "site").to_numpy(zero_copy_only=False)
    if final is not facts and len(final) != len(facts):  # a new version: the current facts are kept too
        old_keys, new_keys, final_keys = vector.fact_keys(*(tuple(t[c] for c in FACT_KEY) for t in (old, facts, final)))
        gone_mask = site & (vector.lookup(final_keys, old_keys) < 0)
        at = vector.lookup(old_keys, new_keys)
    else:  # one hash table, of the imported facts' keys (unique): each old fact's position among them
        position = keys.index.get_indexer(keys.of([old[c] for c in FACT_KEY]))
        gone_mask = site & (position < 0)
        found = np.flatnonzero(position >= 0)
        at = np.full(len(facts), -1, dtype=np.int64)
        at[position[found]] = found
        if not (at[position[found]] == found).all():  # a key twice in the old snapshot: its first fact, as lookup()
            first = np.unique(position[found], return_index=True)[1]
            at[position[found[first]]] = found[first]
    # Sites that stopped reporting: old site facts whose key is not in the new snapshot.
    if gone_mask.any():
        gone = old.filter(pa.array(gone_mask)).select(["indicator_id", "entity_id"]).to_pandas()
        for ind_id, group in gone.groupby("indicator_id", sort=True):
            ids = sorted(group["entity_id"])
            label = catalog.indicator(ind_id).label if ind_id in catalog.ids else ind_id
            problems.warning(SNAPSHOT_SOURCE, None, None,
                             f"{len(ids)} établissement(s) ne déclarent plus « {label} » ({ind_id}), présents le {when} : "
                             f"{', '.join(ids[:8])}{'…' if len(ids) > 8 else ''}",
                             "Vérifiez que le fichier est complet ; si ces établissements n'ont rien déclaré, rien à faire",
                             kind="stopped")
    # Jumps: imported facts against the same key at the previous snapshot.
    factor = float(setting("import_jump_factor"))
    matched = np.flatnonzero(at >= 0)
    if not len(matched):
        return

    def ratio(value, den):
        usable = ~np.isnan(den) & (den != 0)
        return np.where(usable, value / np.where(usable, den, 1.0), value)

    old_value = old["value"].to_numpy()[at[matched]]
    old_den = old["denominator"].to_numpy(zero_copy_only=False).astype(float)[at[matched]]
    new_value = facts["value"].to_numpy(dtype=float)[matched]
    new_den = facts["denominator"].to_numpy(dtype=float, na_value=np.nan)[matched]
    new_v, old_v = ratio(new_value, new_den), ratio(old_value, old_den)
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = (new_v > 0) & (old_v > 0) & (np.maximum(new_v / old_v, old_v / new_v) > factor)
    if plan.snapshot and school_year(plan.snapshot) != school_year(previous.snapshot_date):
        # the rentrée: cumulative totals and deliverables start again by rule, only states and activity jump
        resets = [i.id for i in catalog.indicators if i.temporality in ("cumulative", "deliverable")]
        jump &= ~facts["indicator_id"].iloc[matched].isin(resets).to_numpy()
    if not jump.any():
        return
    joined = facts.iloc[matched[jump]].assign(value_old=old_value[jump])
    shown = joined.groupby("file", sort=False).head(Collector.LIMIT_PER_KIND + 1)  # what the report keeps
    for row in shown.itertuples(index=False):
        problems.warning(row.file, row.line, row.column,
                         f"« {row.indicator_id} » pour {row.entity_id} passe de {row.value_old:g} ({when}) à {row.value:g}, "
                         f"un saut de plus de x{factor:g}",
                         "Vérifiez l'unité (milliers ?), le séparateur décimal et la colonne ; si la valeur est juste, rien à faire",
                         kind="jump")
