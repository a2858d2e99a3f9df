-- Indicators with no value at a snapshot: never reported, or last reported at an earlier snapshot.
-- Grain: one row per indicator not reported at $snapshot_date. Parameters: $snapshot_date.
with

last_reported as (
    select indicator_id, max(snapshot_date) as last_reported_date, count(distinct snapshot_date) as snapshots_with_data
    from facts
    where snapshot_date <= $snapshot_date
    group by indicator_id
),

final as (
    select
        i.indicator_id,
        i.label,
        i.source,
        i.level,
        l.last_reported_date,
        coalesce(l.snapshots_with_data, 0) as snapshots_with_data,
        (select count(*) from snapshots as s
         where s.snapshot_date <= $snapshot_date
            and (l.last_reported_date is null or s.snapshot_date > l.last_reported_date)) as snapshots_without_data
    from indicators as i
    left join last_reported as l using (indicator_id)
    where l.last_reported_date is null or l.last_reported_date < $snapshot_date
)

select * from final
order by last_reported_date nulls first, label
