-- Setup, run once when the store opens: the `entities` view.
-- Grain: one row per (entity_level, entity_id): every site, commune and the académie, with every
-- attribute a filter or a breakdown can use, and
-- whether it is open (communes and the académie always are). Site-only attributes are null for communes and the
-- académie, so a site filter leaves those rows out (the pages then say "non ventilé").
create or replace view entities as
with

site_rows as (
    select
        'site' as entity_level,
        s.uai as entity_id,
        s.name as entity_name,
        s.commune_code,
        c.commune_name,
        c.zone_code,
        z.zone_name,
        z.academie_code,
        s.isolation,
        s.access,
        s.circonscription_code,
        ci.name as circonscription_name,
        s.bassin_code,
        b.name as bassin_name,
        s.degree,
        s.site_type,
        s.pupils,
        coalesce(s.is_open, true) as is_open
    from sites as s
    left join communes as c using (commune_code)
    left join zones as z using (zone_code)
    left join circonscriptions as ci on ci.code = s.circonscription_code
    left join bassins as b on b.code = s.bassin_code
),

commune_pupils as (
    select commune_code, sum(pupils) as pupils
    from sites
    group by commune_code
),

commune_rows as (
    select
        'commune' as entity_level,
        c.commune_code as entity_id,
        c.commune_name as entity_name,
        c.commune_code,
        c.commune_name,
        c.zone_code,
        z.zone_name,
        z.academie_code,
        c.isolation,
        c.access,
        null::varchar as circonscription_code,
        null::varchar as circonscription_name,
        null::varchar as bassin_code,
        null::varchar as bassin_name,
        null::integer as degree,
        null::varchar as site_type,
        coalesce(p.pupils, 0)::integer as pupils,
        true as is_open
    from communes as c
    left join zones as z using (zone_code)
    left join commune_pupils as p using (commune_code)
),

academie_rows as (
    select
        'academie' as entity_level,
        a.code as entity_id,
        a.name as entity_name,
        null::varchar, null::varchar, null::varchar, null::varchar, null::varchar, null::varchar, null::varchar,
        null::varchar, null::varchar, null::varchar, null::varchar, null::integer, null::varchar,
        (select sum(pupils) from sites)::integer as pupils,
        true as is_open
    from academie as a
)

select * from site_rows
union all
select * from commune_rows
union all
select * from academie_rows
