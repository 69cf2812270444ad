{#-
    Customers moving between consecutive snapshots of segment_history, by origin and destination
    segment. Written for the pairs that touch this quarter (from the snapshot before it, and to the
    snapshot after it), keyed by to_snapshot: a re-run or an out-of-order run replaces exactly the
    pairs it changes, and a pair that skipped over this quarter is replaced by the two through it.
    newly_registered: not in the earlier snapshot (registered after it); removed: not in the later
    one (deleted from the CRM).
-#}
{{ config(unique_key='to_snapshot', partition_by=('to_snapshot' if target.type == 'spark' else none)) }}

with

history as (

    {#- Snapshots history lists as written: a quarter that failed its guards is not. -#}
    select snapshot_date, customer_id, segment
    from {{ ref('segment_history') }}
    where snapshot_date in (select snapshot_date from {{ ref('history_snapshots') }})

),

neighbours as (

    select
        max(case when snapshot_date < {{ as_of_date() }} then snapshot_date end) as before_snapshot,
        min(case when snapshot_date > {{ as_of_date() }} then snapshot_date end) as after_snapshot

    from (select distinct snapshot_date from history) as snapshots

),

pairs as (

    select before_snapshot as from_snapshot, {{ as_of_date() }} as to_snapshot
    from neighbours
    where before_snapshot is not null

    union all

    select {{ as_of_date() }} as from_snapshot, after_snapshot as to_snapshot
    from neighbours
    where after_snapshot is not null

),

earlier as (

    select pairs.from_snapshot, pairs.to_snapshot, history.customer_id, history.segment
    from pairs
    inner join history
        on history.snapshot_date = pairs.from_snapshot

),

later as (

    select pairs.from_snapshot, pairs.to_snapshot, history.customer_id, history.segment
    from pairs
    inner join history
        on history.snapshot_date = pairs.to_snapshot

),

moves as (

    select
        coalesce(earlier.from_snapshot, later.from_snapshot) as from_snapshot,
        coalesce(earlier.to_snapshot, later.to_snapshot) as to_snapshot,
        coalesce(earlier.segment, 'newly_registered') as from_segment,
        coalesce(later.segment, 'removed') as to_segment

    from earlier
    full outer join later
        on earlier.to_snapshot = later.to_snapshot
        and earlier.customer_id = later.customer_id

),

final as (

    select
        from_snapshot,
        to_snapshot,
        from_segment,
        to_segment,
        count(*) as customers

    from moves
    group by from_snapshot, to_snapshot, from_segment, to_segment

)

select * from final
