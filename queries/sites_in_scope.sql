-- Sites the global filters select, with every attribute a breakdown can use, optionally above a pupil count.
-- Grain: one row per site (UAI), including sites that reported nothing (the explorer counts those).
-- Parameters: $min_pupils (keep sites with strictly more pupils; null for all); filters, null for all:
-- $commune, $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai.
select
    e.entity_id as uai,
    e.entity_name as name,
    e.site_type,
    e.degree,
    e.commune_code,
    e.commune_name,
    e.zone_code,
    e.zone_name,
    e.academie_code,
    e.isolation,
    e.circonscription_code,
    e.circonscription_name,
    e.bassin_code,
    e.bassin_name,
    e.pupils,
    e.is_open
from scoped_entities($commune, $zone, $isolation, $circonscription, $bassin, $degree, $site_type, $academie, $uai,
        $perimeter_circonscriptions, $perimeter_uais, $perimeter_departements) as e
where e.entity_level = 'site'
    and ($min_pupils is null or e.pupils > $min_pupils)
order by e.entity_name
