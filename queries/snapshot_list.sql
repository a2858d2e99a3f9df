-- Snapshots available, newest first. Grain: one row per snapshot date. No parameters.
select snapshot_date, school_year, fact_rows, is_demo
from snapshots
order by snapshot_date desc
