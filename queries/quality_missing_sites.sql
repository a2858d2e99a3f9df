-- Sites that did not report a site-level indicator at one snapshot, with the last date they did.
-- Grain: one row per site x indicator missing at $snapshot_date (expected as in quality_missing_by_area.sql),
-- at most 5 000 rows. Parameters: $snapshot_date; $indicator_ids (list, empty for all); filters, null for
-- all: $commune, $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai.
-- Which indicators were collected is read from `facts`; who reported them from `entity_facts` (integer keys).
with

collected as (
    select distinct f.indicator_id, i.display_order::smallint as indicator_key, i.scope, i.label
    from facts as f
    join indicators as i using (indicator_id)
    where i.level = 'site'
        and f.snapshot_date = $snapshot_date
        and (len($indicator_ids) = 0 or list_contains($indicator_ids, f.indicator_id))
),

scoped_sites as (
    select
        e.entity_key,
        e.entity_id as uai,
        e.entity_name as site_name,
        e.degree,
        e.commune_name,
        coalesce(e.circonscription_name, e.bassin_name, 'Sans rattachement') as area_name
    from scoped_entities($commune, $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai,
        $perimeter_circonscriptions, $perimeter_uais, $perimeter_departements) as e
    join sites as s on s.uai = e.entity_id
    where e.entity_level = 'site'
        and coalesce(s.is_open, true)
),

site_scopes as (
    -- Each site with the indicator scopes it belongs to ('all', and '1d' or '2d'): an equi-join below.
    select *, unnest(['all', case degree when 1 then '1d' when 2 then '2d' end]) as scope
    from scoped_sites
),

expected as (
    select c.indicator_id, c.indicator_key, c.label, s.* exclude (scope)
    from collected as c
    join site_scopes as s using (scope)
),

missing as (
    select x.*
    from expected as x
    anti join (select indicator_key, entity_key from entity_facts where snapshot_date = $snapshot_date) as f
        using (indicator_key, entity_key)
),

last_seen as (
    -- Every (indicator, entity)'s last date before the snapshot, in one pass: a semi-join with `missing`
    -- would build its hash table on the 17 M facts side (the CTE's size is not known when planning).
    select indicator_key, entity_key, max(snapshot_date) as last_reported_date
    from entity_facts
    where snapshot_date < $snapshot_date
    group by indicator_key, entity_key
)

select m.area_name, m.uai, m.site_name, m.commune_name, m.indicator_id, m.label, l.last_reported_date
from missing as m
left join last_seen as l using (indicator_key, entity_key)
order by m.area_name, m.site_name, m.label
limit 5000
