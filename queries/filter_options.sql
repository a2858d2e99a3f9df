-- Values the global filters offer, each with its French label.
-- Grain: one row per (filter, code). Only areas that hold at least one site are offered.
-- No parameters.
with

used_communes as (select distinct commune_code from sites),

final as (
    select 'commune' as filter, c.commune_code as code, c.commune_name as label
    from communes as c
    union all
    select 'zone', zone_code, zone_name from zones
    union all
    select 'circonscription', code, name from circonscriptions
    union all
    select 'bassin', code, name from bassins
)

select filter, code, label from final order by filter, label
