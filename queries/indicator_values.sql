-- Indicator values rolled up by each indicator's own rule, per snapshot and breakdown group.
-- Grain: one row per snapshot_date x indicator_id x group_id. Reads `entity_facts`, the store's
-- copy of the facts keyed by entity (queries/load_entity_facts.sql).
-- Rules: sum -> sum of values; ratio (rates) -> sum of numerators / sum of denominators, never a
-- mean of rates; weighted_mean (scores) -> sum(value x weight) / sum(weight); latest (deliverables)
-- -> each entity's latest value at or before the snapshot, then summed.
-- Parameters: $date_from, $date_to (snapshot range, inclusive); $indicator_ids (list of ids);
-- $breakdown: total | academie | isolation | zone | commune | circonscription | bassin | site_type | degree | site;
-- filters, null for all: $commune, $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai.
with

wanted as (
    select display_order as indicator_key, indicator_id, rollup
    from indicators
    where list_contains($indicator_ids, indicator_id)
),

snaps as (
    select snapshot_date
    from snapshots
    where snapshot_date between $date_from and $date_to
),

-- The entities within the filters, each with its breakdown group (a small table: one row per entity).
entity_groups as (
    select
        e.entity_key,
        e.pupils,
        case $breakdown
            when 'total' then 'total'
            when 'isolation' then e.isolation
            when 'academie' then e.academie_code
            when 'zone' then e.zone_code
            when 'commune' then e.commune_code
            when 'circonscription' then e.circonscription_code
            when 'bassin' then e.bassin_code
            when 'site_type' then e.site_type
            when 'degree' then e.degree::varchar
            when 'site' then e.entity_id
        end as group_id,
        case $breakdown
            when 'total' then 'Total'
            when 'isolation' then e.isolation
            when 'academie' then e.academie_code
            when 'zone' then e.zone_name
            when 'commune' then e.commune_name
            when 'circonscription' then e.circonscription_name
            when 'bassin' then e.bassin_name
            when 'site_type' then e.site_type
            when 'degree' then e.degree::varchar
            when 'site' then e.entity_name
        end as group_label
    from scoped_entities($commune, $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai) as e
),

-- Each group once, with an integer key the facts are grouped by.
groups as (
    select group_id, any_value(group_label) as group_label, row_number() over (order by group_id) as group_key
    from entity_groups
    where group_id is not null
    group by group_id
),

keyed_entities as (
    select s.entity_key, s.pupils, g.group_key
    from entity_groups as s
    join groups as g using (group_id)
),

direct_facts as (
    select f.snapshot_date, f.indicator_key, f.entity_key, f.value, f.denominator
    from entity_facts as f
    join wanted as w using (indicator_key)
    where w.rollup <> 'latest'
        and f.snapshot_date between $date_from and $date_to
),

latest_facts as (
    select s.snapshot_date, f.indicator_key, f.entity_key, f.value, f.denominator
    from snaps as s
    join entity_facts as f on f.snapshot_date <= s.snapshot_date
    join wanted as w on w.indicator_key = f.indicator_key
    where w.rollup = 'latest'
        and f.snapshot_date <= $date_to
    qualify row_number() over (
        partition by s.snapshot_date, f.indicator_key, f.entity_key
        order by f.snapshot_date desc
    ) = 1
),

grouped as (
    select
        v.snapshot_date,
        v.indicator_key,
        k.group_key,
        sum(v.value) as value_sum,
        sum(v.denominator) as denominator_sum,
        sum(v.value * v.denominator) as weighted_sum,
        count(*) as reporting_entities,
        sum(k.pupils) as reporting_pupils
    from (select * from direct_facts union all select * from latest_facts) as v
    join keyed_entities as k using (entity_key)
    group by v.snapshot_date, v.indicator_key, k.group_key
),

final as (
    select
        g.snapshot_date,
        w.indicator_id,
        gr.group_id,
        gr.group_label,
        case w.rollup
            when 'ratio' then g.value_sum / nullif(g.denominator_sum, 0)
            when 'weighted_mean' then g.weighted_sum / nullif(g.denominator_sum, 0)
            else g.value_sum
        end as value,
        g.value_sum,
        g.denominator_sum,
        g.reporting_entities,
        g.reporting_pupils
    from grouped as g
    join wanted as w using (indicator_key)
    join groups as gr using (group_key)
)

select * from final
order by indicator_id, snapshot_date, group_id
