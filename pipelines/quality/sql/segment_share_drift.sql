-- Each segment's share of customers at $snapshot and at the snapshot before it in history, in
-- percentage points moved (no rows when history holds no earlier snapshot). Only snapshots history
-- lists as written (history_snapshots: a quarter that failed its guards is not) count.
with

summary as (

    select snapshot_date, segment, customer_share
    from history.segment_summary
    where snapshot_date in (select snapshot_date from history.history_snapshots)

),

previous_snapshot as (

    select max(snapshot_date) as snapshot_date from summary where snapshot_date < $snapshot

),

now as (

    select segment, customer_share from summary where snapshot_date = $snapshot

),

before as (

    select summary.segment, summary.customer_share
    from summary
    inner join previous_snapshot
        on summary.snapshot_date = previous_snapshot.snapshot_date

)

select
    coalesce(now.segment, before.segment) as segment,
    coalesce(now.customer_share, 0) as customer_share,
    coalesce(before.customer_share, 0) as previous_share,
    round(abs(coalesce(now.customer_share, 0) - coalesce(before.customer_share, 0)) * 100, 4)
        as moved_points,
    strftime((select snapshot_date from previous_snapshot), '%Y-%m-%d') as previous_snapshot

from now
full outer join before
    on now.segment = before.segment
where (select snapshot_date from previous_snapshot) is not null
order by segment
