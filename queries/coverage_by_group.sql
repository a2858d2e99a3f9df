-- Coverage of one service: open sites in scope, and those the service reaches, with their pupils.
-- Grain: one row per snapshot_date x group_id (group = isolation class, commune, zone or 'total').
-- A site is covered when its value of $indicator_id at the snapshot is above $threshold; a site with
-- no value is not covered. Only sites of degree $service_degree count (null: every degree).
-- Parameters: $date_from, $date_to (snapshot range, inclusive); $indicator_id; $threshold;
-- $service_degree; $breakdown: total | academie | isolation | commune | zone;
-- filters, null for all: $commune, $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai.
with

snaps as (
    select snapshot_date
    from snapshots
    where snapshot_date between $date_from and $date_to
),

scoped_sites as (
    select
        e.entity_id as uai,
        e.pupils,
        case $breakdown
            when 'total' then 'total'
            when 'isolation' then e.isolation
            when 'commune' then e.commune_code
            when 'academie' then e.academie_code
            when 'zone' then e.zone_code
        end as group_id,
        case $breakdown
            when 'total' then 'Total'
            when 'isolation' then e.isolation
            when 'commune' then e.commune_name
            when 'academie' then e.academie_code
            when 'zone' then e.zone_name
        end as group_label
    from scoped_entities($commune, $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai,
        $perimeter_circonscriptions, $perimeter_uais, $perimeter_departements) as e
    join sites as s on s.uai = e.entity_id
    where e.entity_level = 'site'
        and s.is_open
        and ($service_degree is null or e.degree = $service_degree)
),

site_values as (
    select snapshot_date, entity_id as uai, sum(value) as value
    from facts
    where indicator_id = $indicator_id
        and entity_level = 'site'
        and snapshot_date between $date_from and $date_to
    group by snapshot_date, entity_id
),

status as (
    select
        n.snapshot_date,
        s.group_id,
        s.group_label,
        s.pupils,
        coalesce(v.value > $threshold, false) as is_covered
    from snaps as n
    cross join scoped_sites as s
    left join site_values as v on v.snapshot_date = n.snapshot_date and v.uai = s.uai
),

final as (
    select
        snapshot_date,
        group_id,
        any_value(group_label) as group_label,
        count(*) as sites_total,
        count(*) filter (where is_covered) as sites_covered,
        coalesce(sum(pupils), 0) as pupils_total,
        coalesce(sum(pupils) filter (where is_covered), 0) as pupils_covered
    from status
    where group_id is not null
    group by snapshot_date, group_id
)

select * from final
order by snapshot_date, group_id
