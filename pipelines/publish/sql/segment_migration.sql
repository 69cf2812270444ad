-- Customers moving between two consecutive snapshots, by origin and destination segment.
-- Customers registered after the earlier snapshot come from `newly_registered`; customers no
-- longer in the later one (deleted from the CRM) go to `removed`, so that both margins add up
-- to the snapshots' segment sizes.
insert into history.segment_migration by name

with

previous_snapshot as (

    select customer_id, segment
    from history.segment_history
    where snapshot_date = $from_snapshot

),

current_snapshot as (

    select customer_id, segment
    from history.segment_history
    where snapshot_date = $to_snapshot

),

moves as (

    select
        coalesce(previous_snapshot.segment, 'newly_registered') as from_segment,
        coalesce(current_snapshot.segment, 'removed') as to_segment

    from previous_snapshot
    full outer join current_snapshot
        on previous_snapshot.customer_id = current_snapshot.customer_id

),

final as (

    select
        cast($from_snapshot as date) as from_snapshot,
        cast($to_snapshot as date) as to_snapshot,
        from_segment,
        to_segment,
        count(*) as customers

    from moves
    group by from_segment, to_segment

)

select * from final
