-- Facts that point to nothing known: an unknown indicator, an unknown UAI or commune, a wrong level.
-- Grain: one row per (snapshot_date, problem, indicator_id, entity_level, entity_id), at most 200 rows.
-- No parameters. Used by `observatoire check`.
with

labelled as (
    select
        f.snapshot_date,
        f.indicator_id,
        f.entity_level,
        f.entity_id,
        case
            when i.indicator_id is null then 'unknown_indicator'
            when e.entity_id is null then 'unknown_entity'
            when i.level <> f.entity_level then 'wrong_level'
        end as problem
    from facts as f
    left join indicators as i using (indicator_id)
    left join entities as e using (entity_level, entity_id)
)

select distinct snapshot_date, problem, indicator_id, entity_level, entity_id
from labelled
where problem is not null
order by snapshot_date, problem, indicator_id, entity_id
limit 200
