-- Reporting completeness of site-level indicators, by circonscription (1st degree) or bassin (2nd degree).
-- Grain: one row per snapshot_date x area_code. Expected facts = open sites in each indicator's scope x the
-- site-level indicators that at least one site reported in that snapshot (an indicator nobody reported is
-- "stale", see quality_stale_indicators.sql); missing facts = expected ones with no value.
-- Parameters: $indicator_ids (list, empty for every site-level indicator); filters, null for all: $commune,
-- $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai.
-- Which indicators were collected is read from `facts`; who reported them from `entity_facts` (integer keys).
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
        e.entity_key,
        e.degree,
        case e.degree when 1 then '1d' when 2 then '2d' end as degree_scope,
        case when e.degree = 1 then 'Circonscription' else 'Bassin' end as area_kind,
        coalesce(e.circonscription_code, e.bassin_code, '?') as area_code,
        coalesce(e.circonscription_name, e.bassin_name, 'Sans rattachement') as area_name
    from scoped_entities($commune, $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai,
        $perimeter_circonscriptions, $perimeter_uais, $perimeter_departements) as e
    join sites as s on s.uai = e.entity_id
    where e.entity_level = 'site'
        and coalesce(s.is_open, true)
),

areas as (
    select
        area_kind,
        area_code,
        any_value(area_name) as area_name,
        count(*) as sites_all,
        count(*) filter (where degree = 1) as sites_1d,
        count(*) filter (where degree = 2) as sites_2d
    from scoped_sites
    group by area_kind, area_code
),

indicators_per_snapshot as (
    select
        snapshot_date,
        count(*) filter (where scope = 'all') as indicators_all,
        count(*) filter (where scope = '1d') as indicators_1d,
        count(*) filter (where scope = '2d') as indicators_2d
    from collected
    group by snapshot_date
),

expected as (
    -- Counted, not listed: sites in scope x indicators collected (listing them is sites x indicators x snapshots rows).
    select
        i.snapshot_date,
        a.area_kind,
        a.area_code,
        a.area_name,
        a.sites_all * i.indicators_all + a.sites_1d * i.indicators_1d + a.sites_2d * i.indicators_2d as expected_facts
    from indicators_per_snapshot as i
    cross join areas as a
),

reported as (
    -- A fact at (snapshot, indicator) means that indicator was collected then: no join with `collected`.
    select f.snapshot_date, s.area_kind, s.area_code, count(*) as reported_facts
    from entity_facts as f
    join (
        select display_order::smallint as indicator_key, scope
        from indicators
        where level = 'site' and (len($indicator_ids) = 0 or list_contains($indicator_ids, indicator_id))
    ) as i using (indicator_key)
    join scoped_sites as s using (entity_key)
    where i.scope = 'all' or i.scope = s.degree_scope  -- the site is in the indicator's scope
    group by f.snapshot_date, s.area_kind, s.area_code
),

final as (
    select
        e.snapshot_date,
        e.area_kind,
        e.area_code,
        e.area_name,
        e.expected_facts,
        coalesce(r.reported_facts, 0) as reported_facts,
        e.expected_facts - coalesce(r.reported_facts, 0) as missing_facts,
        (e.expected_facts - coalesce(r.reported_facts, 0)) / e.expected_facts as missing_share
    from expected as e
    left join reported as r using (snapshot_date, area_kind, area_code)
    where e.expected_facts > 0
)

select * from final
order by snapshot_date, area_kind desc, area_name
