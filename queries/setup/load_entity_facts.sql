-- Setup, run once per snapshot when the store opens: that snapshot's facts, keyed by integers.
-- Grain: one row per fact of an indicator of the catalogue and an entity known to `entities` (the
-- others stay in `facts` only, where the quality page lists them). `indicator_key` is the
-- indicator's `display_order`, `entity_key` the entity's key in `entities`: roll-ups join and group
-- on them instead of hashing the indicator and entity strings of every fact on every query.
-- The Parquet files stay the source of truth (`facts`).
-- Parameters: $file (one snapshot's facts.parquet); $snapshot_date (its date).
insert into compact.entity_facts
select
    $snapshot_date::date as snapshot_date,
    i.display_order::smallint as indicator_key,
    e.entity_key,
    f.value,
    f.denominator
from read_parquet($file) as f
join indicators as i using (indicator_id)
join entities as e using (entity_level, entity_id)
