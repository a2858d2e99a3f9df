-- Setup, run once when the store opens: `scoped_entities(...)`, the one territorial scope.
-- Grain: one row per entity of `entities` (sites, communes, the académie) inside the filters, with
-- every column of `entities`. Every scoped question reads its entities from here, never from
-- `entities` with a predicate of its own: a new filter, or a perimeter, is added in this file only.
-- Arguments, in this order, null for no restriction: commune, zone, isolation, circonscription,
-- bassin, degree, site_type, academie, uai (the fields of observatoire.model.filters.Filters, plus one UAI).
-- Inside the macro an unqualified name is the argument and `e.<column>` the entity's column.
-- Site-only attributes are null for communes and the académie, so a site filter leaves them out.
create or replace macro scoped_entities(commune, zone, isolation, circonscription, bassin, degree, site_type, academie, uai) as table
select e.*
from entities as e
where (commune is null or e.commune_code = commune)
    and (zone is null or e.zone_code = zone)
    and (isolation is null or e.isolation = isolation)
    and (circonscription is null or e.circonscription_code = circonscription)
    and (bassin is null or e.bassin_code = bassin)
    and (degree is null or e.degree = degree)
    and (site_type is null or e.site_type = site_type)
    and (academie is null or e.academie_code = academie)
    and (uai is null or e.entity_id = uai)
