-- Indicator values rolled up by each indicator's own rule, per snapshot and breakdown group.
-- Grain: one row per snapshot_date x indicator_id x group_id. Reads `entity_facts`, the store's
-- copy of the facts keyed by entity (queries/load_entity_facts.sql).
-- Time (the indicator's temporality): an `activity` counts only the facts of the snapshot itself; a
-- `state`, `cumulative` or `deliverable` takes each entity's last report at or before the snapshot in
-- the same school year (carried forward, never from a past school year: all reset at the rentrée).
-- Rules: sum -> sum of values; ratio (rates) -> sum of numerators / sum of denominators, never a
-- mean of rates; weighted_mean (scores) -> sum(value x weight) / sum(weight); latest (deliverables)
-- -> the carried-forward values, summed.
-- Completeness: reporting_entities = entities with a value (reported or carried forward),
-- carried_forward = those whose value comes from an earlier snapshot, expected_entities = open
-- entities of the group at the indicator's level and in its scope (1d / 2d).
-- Parameters: $date_from, $date_to (snapshot range, inclusive); $indicator_ids (list of ids);
-- $breakdown: total | academie | isolation | zone | commune | circonscription | bassin | site_type | degree | site;
-- filters, null for all: $commune, $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai.
with

wanted as (
    select
        display_order as indicator_key,
        indicator_id,
        rollup,
        level,
        temporality <> 'activity' as carries_forward,
        case scope when '1d' then 1 when '2d' then 2 end as scope_degree
    from indicators
    where list_contains($indicator_ids, indicator_id)
),

snaps as (
    select snapshot_date, school_year
    from snapshots
    where snapshot_date between $date_from and $date_to
),

-- The entities within the filters, each with its breakdown group (a small table: one row per entity).
entity_groups as (
    select
        e.entity_key,
        e.entity_level,
        e.degree,
        e.is_open,
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
    from scoped_entities($commune, $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai,
        $perimeter_circonscriptions, $perimeter_uais, $perimeter_departements) as e
),

-- Each group once, with an integer key the facts are grouped by.
groups as (
    select group_id, any_value(group_label) as group_label, row_number() over (order by group_id) as group_key
    from entity_groups
    where group_id is not null
    group by group_id
),

keyed_entities as (
    select s.entity_key, s.entity_level, s.degree, s.is_open, s.pupils, g.group_key
    from entity_groups as s
    join groups as g using (group_id)
),

-- The facts of the school years shown, up to the last snapshot, each with the date of the entity's
-- next report in the same school year (null when it is the last one).
year_facts as (
    select
        f.snapshot_date,
        y.school_year,
        f.indicator_key,
        f.entity_key,
        f.value,
        f.denominator,
        w.carries_forward,
        lead(f.snapshot_date) over (
            partition by f.indicator_key, f.entity_key, y.school_year
            order by f.snapshot_date
        ) as next_date
    from entity_facts as f
    join wanted as w using (indicator_key)
    join snapshots as y using (snapshot_date)
    where f.snapshot_date <= $date_to
        and y.school_year in (select school_year from snaps)
),

-- Activity: the snapshot's own facts.
direct_facts as (
    select f.snapshot_date, f.indicator_key, f.entity_key, f.value, f.denominator, false as is_carried
    from year_facts as f
    join snaps as s using (snapshot_date)
    where not f.carries_forward
),

-- States, cumulative totals, deliverables: the last report of the school year at or before each snapshot.
carried_facts as (
    select
        s.snapshot_date, f.indicator_key, f.entity_key, f.value, f.denominator,
        f.snapshot_date < s.snapshot_date as is_carried
    from year_facts as f
    join snaps as s
        on s.school_year = f.school_year
        and s.snapshot_date >= f.snapshot_date
        and s.snapshot_date < coalesce(f.next_date, date '9999-12-31')
    where f.carries_forward
),

-- Entities expected to report: open ones, at the indicator's level and in its scope.
expected as (
    select w.indicator_key, k.group_key, count(*) as expected_entities
    from wanted as w
    join keyed_entities as k
        on k.entity_level = w.level
        and (w.scope_degree is null or k.degree = w.scope_degree)
    where k.is_open
    group by w.indicator_key, k.group_key
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
        count(*) filter (where v.is_carried) as carried_forward,
        sum(k.pupils) as reporting_pupils
    from (select * from direct_facts union all select * from carried_facts) as v
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
        g.reporting_pupils,
        g.carried_forward,
        coalesce(x.expected_entities, 0) as expected_entities
    from grouped as g
    join wanted as w using (indicator_key)
    join groups as gr using (group_key)
    left join expected as x using (indicator_key, group_key)
)

select * from final
order by indicator_id, snapshot_date, group_id
