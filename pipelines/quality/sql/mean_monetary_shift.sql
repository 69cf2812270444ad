-- The mean monetary (spend in W per customer) at $snapshot and at the snapshot before it in history,
-- from the segment summary (revenue / customers), and its relative change (null without a baseline).
with

means as (

    select snapshot_date, sum(revenue) / sum(customers) as mean_monetary
    from history.segment_summary
    where snapshot_date <= $snapshot
        and snapshot_date in (select snapshot_date from history.history_snapshots)
    group by snapshot_date

),

now as (select mean_monetary from means where snapshot_date = $snapshot),

before as (

    select snapshot_date, mean_monetary
    from means
    where snapshot_date < $snapshot
    order by snapshot_date desc
    limit 1

)

select
    cast(now.mean_monetary as double) as mean_monetary,
    cast(before.mean_monetary as double) as previous_mean_monetary,
    cast(now.mean_monetary / nullif(before.mean_monetary, 0) - 1 as double) as relative_change,
    strftime(before.snapshot_date, '%Y-%m-%d') as previous_snapshot

from now
left join before on true
