-- Setup, run once when the store opens: `scoped_entities(...)`, the one territorial scope.
-- Grain: one row per entity of `entities` (sites, communes, the académie) inside the filters, with
-- every column of `entities`. Every scoped question reads its entities from here, never from
-- `entities` with a predicate of its own: a new filter, or a perimeter, is added in this file only.
-- Arguments, in this order, null for no restriction: commune, zone, isolation, circonscription,
-- bassin, degree, site_type, academie, uai (the fields of observatoire.model.filters.Filters, plus one UAI), then the
-- person's perimeter (observatoire.access.perimeter, bound by Store.run, never by the page): lists of
-- perimeter_circonscriptions, perimeter_uais and perimeter_departements (a commune code's first 2 or 3
-- characters). A restricted perimeter keeps the sites inside it; the communes whose département is allowed;
-- the académie only when every one of its communes is.
-- Inside the macro an unqualified name is the argument and `e.<column>` the entity's column.
-- Site-only attributes are null for communes and the académie, so a site filter leaves them out.
create or replace macro scoped_entities(commune, zone, isolation, circonscription, bassin, degree, site_type, academie, uai,
    perimeter_circonscriptions, perimeter_uais, perimeter_departements) as table
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
    and (perimeter_circonscriptions is null or list_contains(perimeter_circonscriptions, e.circonscription_code))
    and (perimeter_uais is null or (e.entity_level = 'site' and list_contains(perimeter_uais, e.entity_id)))
    and (perimeter_departements is null
        or list_contains(perimeter_departements, left(e.commune_code, 2))
        or list_contains(perimeter_departements, left(e.commune_code, 3))
        or (e.entity_level = 'academie' and not exists (
            select 1 from communes as c
            where not (list_contains(perimeter_departements, left(c.commune_code, 2))
                or list_contains(perimeter_departements, left(c.commune_code, 3))))))
