-- Values to check at one snapshot: a jump of more than $factor times since the entity's previous value, a
-- rate above 100 %, or a value far above the indicator's other entities (beyond Q3 + 3 x IQR).
-- Grain: one row per (indicator_id, entity_level, entity_id) flagged at $snapshot_date, at most 2 000 rows.
-- Reads `entity_facts` (integer keys; facts of unknown entities are listed by orphan_facts.sql).
-- Parameters: $snapshot_date, $factor; filters, null for all: $commune, $zone, $isolation, $circonscription,
-- $bassin, $degree, $site_type, $academie, $uai.
with

current_facts as (
    select f.indicator_key, f.entity_key, f.value, f.denominator,
        case when i.rollup = 'ratio' then f.value / nullif(f.denominator, 0) else f.value end as measure
    from entity_facts as f
    join indicators as i on i.display_order = f.indicator_key
    where f.snapshot_date = $snapshot_date
),

previous_facts as (
    -- Each entity's latest value before the snapshot, null included (arg_max_null: one pass, no sort).
    select f.indicator_key, f.entity_key, max(f.snapshot_date) as previous_date,
        arg_max_null(case when i.rollup = 'ratio' then f.value / nullif(f.denominator, 0) else f.value end,
                f.snapshot_date) as previous_measure
    from entity_facts as f
    join indicators as i on i.display_order = f.indicator_key
    where f.snapshot_date < $snapshot_date
    group by f.indicator_key, f.entity_key
),

spread as (
    select indicator_key, quantile_cont(measure, 0.25) as q1, quantile_cont(measure, 0.75) as q3, count(*) as entities
    from current_facts
    group by indicator_key
),

flagged as (
    select
        c.*,
        p.previous_date,
        p.previous_measure,
        case
            when c.denominator is not null and c.value > c.denominator and i.rollup = 'ratio' then 'taux supérieur à 100 %'
            when c.measure > 0 and p.previous_measure > 0
                and greatest(c.measure / p.previous_measure, p.previous_measure / c.measure) > $factor
                then 'saut depuis la valeur précédente'
            when s.entities >= 8 and c.measure > s.q3 + 3 * (s.q3 - s.q1) and s.q3 > s.q1 then 'très au-dessus des autres'
        end as reason
    from current_facts as c
    join indicators as i on i.display_order = c.indicator_key
    join spread as s using (indicator_key)
    left join previous_facts as p using (indicator_key, entity_key)
)

select
    i.indicator_id,
    i.label,
    e.entity_level,
    e.entity_id,
    e.entity_name,
    f.reason,
    f.measure,
    f.previous_measure,
    f.previous_date,
    i.unit
from flagged as f
join indicators as i on i.display_order = f.indicator_key
join scoped_entities($commune, $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai,
        $perimeter_circonscriptions, $perimeter_uais, $perimeter_departements) as e using (entity_key)
where f.reason is not null
order by f.reason, i.label, e.entity_name
limit 2000
