{#-
    What each segment's treated and holdout customers did in the quarter after a snapshot S: the
    calendar quarter ending on the next quarter end T, read from T's snapshot (quarter_orders,
    quarter_revenue, segment). One row per S, segment and group; the outcome columns are null until
    T is in history. A run of quarter D writes S = D (its outcomes once D's next quarter is built)
    and S = the quarter before D (whose outcomes D's data decides), keyed by snapshot_date: a
    re-run of either quarter recomputes them, as segment_migration does for its pairs.
    Moves: churned = not in T's snapshot (deleted from the CRM) or moved into a churn segment of the
    config (outcomes.churn_segments) from one that is not; otherwise better / same / worse by
    segment_order (earlier in the config is better), from S's segment catalog (T's for a segment S
    did not have). Lift = treated minus holdout repurchase rate, with a Wald 95 % interval.
-#}

with

history as (

    {#- Snapshots history lists as written: a quarter that failed its guards is not. -#}
    select snapshot_date, customer_id, segment, in_holdout, quarter_orders, quarter_revenue
    from {{ ref('segment_history') }}
    where snapshot_date in (select snapshot_date from {{ ref('history_snapshots') }})

),

catalog as (

    select snapshot_date, segment, segment_order, is_churn_segment
    from {{ ref('segment_catalog_history') }}

),

written as (

    {#- The snapshots this run writes; outcome_snapshot null until the next quarter is in. -#}
    {{ outcome_pairs('history') }}

),

customers as (

    select
        written.snapshot_date,
        written.outcome_snapshot,
        earlier.customer_id,
        earlier.segment,
        case when earlier.in_holdout then 'holdout' else 'treated' end as customer_group,
        later.customer_id is not null as is_in_outcome_snapshot,
        later.segment as outcome_segment,
        coalesce(later.quarter_orders, 0) as outcome_orders,
        coalesce(later.quarter_revenue, 0) as outcome_revenue

    from written
    inner join history as earlier
        on earlier.snapshot_date = written.snapshot_date
    left join history as later
        on later.snapshot_date = written.outcome_snapshot
        and later.customer_id = earlier.customer_id

),

judged as (

    select
        customers.*,
        case
            when customers.outcome_snapshot is null then null
            when not customers.is_in_outcome_snapshot then 'churned'
            when coalesce(to_now.is_churn_segment, to_later.is_churn_segment)
                and not coalesce(from_now.is_churn_segment, false) then 'churned'
            when customers.outcome_segment = customers.segment then 'same'
            when coalesce(to_now.segment_order, to_later.segment_order) < from_now.segment_order
                then 'better'
            when coalesce(to_now.segment_order, to_later.segment_order) > from_now.segment_order
                then 'worse'
        end as movement

    from customers
    left join catalog as from_now
        on from_now.snapshot_date = customers.snapshot_date
        and from_now.segment = customers.segment
    left join catalog as to_now
        on to_now.snapshot_date = customers.snapshot_date
        and to_now.segment = customers.outcome_segment
    left join catalog as to_later
        on to_later.snapshot_date = customers.outcome_snapshot
        and to_later.segment = customers.outcome_segment

),

groups as (

    {#- Both groups of every segment, an empty one with 0 customers. -#}
    select distinct
        judged.snapshot_date,
        judged.outcome_snapshot,
        judged.segment,
        customer_groups.customer_group

    from judged
    cross join (
        select 'treated' as customer_group
        union all
        select 'holdout' as customer_group
    ) as customer_groups

),

measured as (

    select
        snapshot_date,
        segment,
        customer_group,
        count(*) as customers,
        sum(case when outcome_orders > 0 then 1 else 0 end) as repurchasers,
        sum(outcome_orders) as orders,
        sum(outcome_revenue) as revenue,
        sum(case when movement = 'better' then 1 else 0 end) as moved_better,
        sum(case when movement = 'same' then 1 else 0 end) as stayed,
        sum(case when movement = 'worse' then 1 else 0 end) as moved_worse,
        sum(case when movement = 'churned' then 1 else 0 end) as churned

    from judged
    group by snapshot_date, segment, customer_group

),

rates as (

    select
        groups.snapshot_date,
        groups.segment,
        groups.customer_group,
        groups.outcome_snapshot,
        coalesce(measured.customers, 0) as customers,
        case when groups.outcome_snapshot is not null then
            {{ divide_as_double('measured.repurchasers', 'nullif(measured.customers, 0)') }}
        end as repurchase_rate,
        case when groups.outcome_snapshot is not null then
            {{ divide_as_double('measured.orders', 'nullif(measured.customers, 0)') }}
        end as orders_per_customer,
        case when groups.outcome_snapshot is not null then
            {{ divide_as_double('measured.revenue', 'nullif(measured.customers, 0)') }}
        end as revenue_per_customer,
        case when groups.outcome_snapshot is not null then
            {{ divide_as_double('measured.moved_better', 'nullif(measured.customers, 0)') }}
        end as share_moved_better,
        case when groups.outcome_snapshot is not null then
            {{ divide_as_double('measured.stayed', 'nullif(measured.customers, 0)') }}
        end as share_same,
        case when groups.outcome_snapshot is not null then
            {{ divide_as_double('measured.moved_worse', 'nullif(measured.customers, 0)') }}
        end as share_moved_worse,
        case when groups.outcome_snapshot is not null then
            {{ divide_as_double('measured.churned', 'nullif(measured.customers, 0)') }}
        end as share_churned

    from groups
    left join measured
        on groups.snapshot_date = measured.snapshot_date
        and groups.segment = measured.segment
        and groups.customer_group = measured.customer_group

),

lifts as (

    {#- Difference of two proportions, Wald interval: (p1 - p0) +/- z sqrt(p1 (1 - p1) / n1
        + p0 (1 - p0) / n0); null when a group is empty or the outcome is not known yet. -#}
    select
        treated.snapshot_date,
        treated.segment,
        treated.repurchase_rate - holdout.repurchase_rate as lift,
        {{ lift_standard_error(
            'treated.repurchase_rate', 'treated.customers', 'holdout.repurchase_rate', 'holdout.customers'
        ) }} as lift_standard_error

    from rates as treated
    inner join rates as holdout
        on treated.snapshot_date = holdout.snapshot_date
        and treated.segment = holdout.segment
    where treated.customer_group = 'treated'
        and holdout.customer_group = 'holdout'
        and treated.customers > 0
        and holdout.customers > 0

),

final as (

    select
        rates.snapshot_date,
        rates.segment,
        rates.customer_group as {{ adapter.quote('group') }},
        rates.outcome_snapshot,
        cast(rates.customers as integer) as customers,
        rates.repurchase_rate,
        rates.orders_per_customer,
        rates.revenue_per_customer,
        rates.share_moved_better,
        rates.share_same,
        rates.share_moved_worse,
        rates.share_churned,
        lifts.lift,
        {{ lift_interval('lifts.lift', 'lifts.lift_standard_error') }}

    from rates
    left join lifts
        on rates.snapshot_date = lifts.snapshot_date
        and rates.segment = lifts.segment

)

select * from final
