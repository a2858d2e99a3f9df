-- Reporting completeness of site-level indicators, by circonscription (1st degree) or bassin (2nd degree).
-- Grain: one row per snapshot_date x area_code. Expected facts = open sites in each indicator's scope x the
-- site-level indicators that at least one site reported in that snapshot (an indicator nobody reported is
-- "stale", see quality_stale_indicators.sql); missing facts = expected ones with no value.
-- Parameters: $indicator_ids (list, empty for every site-level indicator); filters, null for all: $commune,
-- $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $uai.
with

collected as (
    select distinct f.snapshot_date, f.indicator_id, i.scope
    from facts as f
    join indicators as i using (indicator_id)
    where i.level = 'site'
        and (len($indicator_ids) = 0 or list_contains($indicator_ids, f.indicator_id))
),

scoped_sites as (
    select
        e.entity_id as uai,
        e.degree,
        case when e.degree = 1 then 'Circonscription' else 'Bassin' end as area_kind,
        coalesce(e.circonscription_code, e.bassin_code, '?') as area_code,
        coalesce(e.circonscription_name, e.bassin_name, 'Sans rattachement') as area_name
    from entities as e
    join sites as s on s.uai = e.entity_id
    where e.entity_level = 'site'
        and coalesce(s.is_open, true)
        and ($commune is null or e.commune_code = $commune)
        and ($zone is null or e.zone_code = $zone)
        and ($isolation is null or e.isolation = $isolation)
        and ($circonscription is null or e.circonscription_code = $circonscription)
        and ($bassin is null or e.bassin_code = $bassin)
        and ($degree is null or e.degree = $degree)
        and ($site_type is null or e.site_type = $site_type)
        and ($uai is null or e.entity_id = $uai)
),

expected as (
    select c.snapshot_date, c.indicator_id, s.*
    from collected as c
    join scoped_sites as s
        on c.scope = 'all' or (c.scope = '1d' and s.degree = 1) or (c.scope = '2d' and s.degree = 2)
),

flagged as (
    select x.*, f.entity_id is not null as is_reported
    from expected as x
    left join facts as f
        on f.snapshot_date = x.snapshot_date
        and f.indicator_id = x.indicator_id
        and f.entity_level = 'site'
        and f.entity_id = x.uai
),

final as (
    select
        snapshot_date,
        area_kind,
        area_code,
        any_value(area_name) as area_name,
        count(*) as expected_facts,
        count(*) filter (where is_reported) as reported_facts,
        count(*) filter (where not is_reported) as missing_facts,
        count(*) filter (where not is_reported) / count(*) as missing_pct
    from flagged
    group by snapshot_date, area_kind, area_code
)

select * from final
order by snapshot_date, area_kind desc, area_name
