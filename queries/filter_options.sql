-- Values the global filters offer, each with its French label.
-- Grain: one row per (filter, code). Only areas that hold at least one site are offered.
-- No parameters. A commune name shared by several communes (58 in Hauts-de-France: Brie, Caumont…) gets
-- its zone code, e.g. "Brie (02)", so that every label, and the link that carries it, names one commune.
with

used_communes as (select distinct commune_code from sites),

final as (
    select 'commune' as filter, c.commune_code as code,
        case when count(*) over (partition by c.commune_name) > 1
            then c.commune_name || ' (' || c.zone_code || ')' else c.commune_name end as label
    from communes as c
    union all
    select 'zone', zone_code, zone_name from zones
    union all
    select 'circonscription', code, name from circonscriptions
    union all
    select 'bassin', code, name from bassins
    union all
    select distinct 'academie', academie_code, academie_code from zones where academie_code is not null
)

select filter, code, label from final order by filter, label
