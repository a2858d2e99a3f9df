-- Values the global filters offer, each with its French label, inside the person's perimeter.
-- Grain: one row per (filter, code). Parameters: the perimeter, bound by the store ($perimeter_circonscriptions,
-- $perimeter_uais, $perimeter_departements); unrestricted, every area of the territory files is offered,
-- restricted, only the areas that hold an entity inside it.
-- A commune name shared by several communes (58 in Hauts-de-France: Brie, Caumont…) gets
-- its zone code, e.g. "Brie (02)", so that every label, and the link that carries it, names one commune.
with

allowed as (
    select commune_code, zone_code, circonscription_code, bassin_code
    from scoped_entities(null, null, null, null, null, null, null, null, null,
        $perimeter_circonscriptions, $perimeter_uais, $perimeter_departements)
),

unrestricted as (
    select $perimeter_circonscriptions is null and $perimeter_uais is null and $perimeter_departements is null as yes
),

commune_labels as (
    select c.commune_code,
        case when count(*) over (partition by c.commune_name) > 1
            then c.commune_name || ' (' || c.zone_code || ')' else c.commune_name end as label
    from communes as c
),

final as (
    select 'commune' as filter, commune_code as code, label
    from commune_labels
    where (select yes from unrestricted) or commune_code in (select commune_code from allowed)
    union all
    select 'zone', zone_code, zone_name from zones
    where (select yes from unrestricted) or zone_code in (select zone_code from allowed)
    union all
    select 'circonscription', code, name from circonscriptions
    where (select yes from unrestricted) or code in (select circonscription_code from allowed)
    union all
    select 'bassin', code, name from bassins
    where (select yes from unrestricted) or code in (select bassin_code from allowed)
    union all
    select distinct 'academie', academie_code, academie_code from zones
    where academie_code is not null
        and ((select yes from unrestricted) or zone_code in (select zone_code from allowed))
)

select filter, code, label from final order by filter, label
