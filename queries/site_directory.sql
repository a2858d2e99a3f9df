-- Sites with their commune, area and isolation class, for search and the fiche établissement.
-- Grain: one row per site (UAI) inside the person's perimeter. Parameters: $uai (one UAI or null for all);
-- the perimeter, bound by the store: $perimeter_circonscriptions, $perimeter_uais, $perimeter_departements.
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
from scoped_entities(null, null, null, null, null, null, null, null, $uai,
        $perimeter_circonscriptions, $perimeter_uais, $perimeter_departements) as e
join sites as s on s.uai = e.entity_id
where e.entity_level = 'site'
order by e.entity_name
