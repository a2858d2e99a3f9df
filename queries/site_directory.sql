-- Sites with their commune, area and isolation class, for search and the fiche établissement.
-- Grain: one row per site (UAI). Parameters: $uai (one UAI or null for all).
select
    e.entity_id as uai,
    e.entity_name as name,
    e.site_type,
    e.degree,
    s.sector,
    e.commune_code,
    e.commune_name,
    e.zone_name,
    e.isolation,
    s.access,
    s.village,
    e.circonscription_code,
    e.circonscription_name,
    e.bassin_code,
    e.bassin_name,
    s.lat,
    s.lon,
    e.pupils
from entities as e
join sites as s on s.uai = e.entity_id
where e.entity_level = 'site'
    and ($uai is null or e.entity_id = $uai)
order by e.entity_name
