-- The catalog with what the store holds for each indicator.
-- Grain: one row per indicator of the roadmap, in roadmap order. No parameters.
with

coverage as (
    select
        indicator_id,
        max(snapshot_date) as last_snapshot_date,
        min(snapshot_date) as first_snapshot_date,
        count(distinct snapshot_date) as snapshots_with_data,
        count(*) as fact_rows
    from facts
    group by indicator_id
)

select
    i.*,
    c.first_snapshot_date,
    c.last_snapshot_date,
    coalesce(c.snapshots_with_data, 0) as snapshots_with_data,
    coalesce(c.fact_rows, 0) as fact_rows
from indicators as i
left join coverage as c using (indicator_id)
order by i.display_order
