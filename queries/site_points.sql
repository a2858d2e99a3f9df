-- Sites to draw on the map, with their value of one service's indicator and whether it covers them.
-- Grain: one row per open site (UAI) within the filters, at snapshot $snapshot_date.
-- coverage_status: 'covered' (value above $threshold), 'not_covered', or 'not_applicable' when the
-- site's degree is outside $service_degree (null: every degree).
-- Parameters: $snapshot_date; $indicator_id; $threshold; $service_degree;
-- filters, null for all: $commune, $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai.
with

site_values as (
    select entity_id as uai, sum(value) as value
    from facts
    where indicator_id = $indicator_id
        and entity_level = 'site'
        and snapshot_date = $snapshot_date
    group by entity_id
),

final as (
    select
        e.entity_id as uai,
        e.entity_name as name,
        e.site_type,
        e.degree,
        e.commune_code,
        e.commune_name,
        e.isolation,
        s.access,
        s.lat,
        s.lon,
        e.pupils,
        v.value,
        case
            when $service_degree is not null and e.degree <> $service_degree then 'not_applicable'
            when coalesce(v.value > $threshold, false) then 'covered'
            else 'not_covered'
        end as coverage_status
    from scoped_entities($commune, $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai,
        $perimeter_circonscriptions, $perimeter_uais, $perimeter_departements) as e
    join sites as s on s.uai = e.entity_id
    left join site_values as v on v.uai = e.entity_id
    where e.entity_level = 'site'
        and s.is_open
        and s.lat is not null
        and s.lon is not null
)

select * from final
order by uai
