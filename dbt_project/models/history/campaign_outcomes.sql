{#-
    Outcomes per campaign (optional campaigns source): for snapshot S, campaign and segment, the
    customers of the segment on S contacted by the campaign in the quarter after S (its sends in the
    snapshot of the next quarter end T, campaign_sends_history) against the segment's holdout on S
    (in_holdout: left out of every campaign), with the same measures and lift as segment_outcomes
    (quarter_orders / quarter_revenue of T). Rows only for the campaign's segments with a contacted
    customer, once T is in history; written for S = this quarter and the one before it, keyed by
    snapshot_date (a re-run of either recomputes them).
-#}

with

history as (

    select snapshot_date, customer_id, segment, in_holdout, quarter_orders, quarter_revenue
    from {{ ref('segment_history') }}
    where snapshot_date in (select snapshot_date from {{ ref('history_snapshots') }})

),

sends as (

    select snapshot_date, customer_id, campaign_id
    from {{ ref('campaign_sends_history') }}

),

written as (

    {#- Both snapshots in history: outcomes are known. -#}
    select * from ({{ outcome_pairs('history') }}) as pairs
    where outcome_snapshot is not null

),

customers as (

    select
        written.snapshot_date,
        written.outcome_snapshot,
        earlier.customer_id,
        earlier.segment,
        earlier.in_holdout,
        coalesce(later.quarter_orders, 0) as outcome_orders,
        coalesce(later.quarter_revenue, 0) as outcome_revenue

    from written
    inner join history as earlier
        on earlier.snapshot_date = written.snapshot_date
    left join history as later
        on later.snapshot_date = written.outcome_snapshot
        and later.customer_id = earlier.customer_id

),

contacted as (

    {#- Customers who were not held out and got the campaign in the quarter after S. -#}
    select distinct
        customers.*,
        sends.campaign_id

    from customers
    inner join sends
        on sends.snapshot_date = customers.outcome_snapshot
        and sends.customer_id = customers.customer_id
    where not customers.in_holdout

),

campaign_segments as (

    select distinct snapshot_date, outcome_snapshot, campaign_id, segment from contacted

),

holdout as (

    {#- Columns in the order of contacted (the two are stacked by position). -#}
    select
        customers.*,
        campaign_segments.campaign_id

    from campaign_segments
    inner join customers
        on customers.snapshot_date = campaign_segments.snapshot_date
        and customers.segment = campaign_segments.segment
    where customers.in_holdout

),

grouped as (

    select 'contacted' as customer_group, contacted.* from contacted

    union all

    select 'holdout' as customer_group, holdout.* from holdout

),

measured as (

    select
        snapshot_date,
        outcome_snapshot,
        campaign_id,
        segment,
        customer_group,
        count(*) as customers,
        sum(case when outcome_orders > 0 then 1 else 0 end) as repurchasers,
        sum(outcome_orders) as orders,
        sum(outcome_revenue) as revenue

    from grouped
    group by snapshot_date, outcome_snapshot, campaign_id, segment, customer_group

),

groups as (

    select
        campaign_segments.snapshot_date,
        campaign_segments.outcome_snapshot,
        campaign_segments.campaign_id,
        campaign_segments.segment,
        customer_groups.customer_group

    from campaign_segments
    cross join (
        select 'contacted' as customer_group
        union all
        select 'holdout' as customer_group
    ) as customer_groups

),

rates as (

    select
        groups.snapshot_date,
        groups.outcome_snapshot,
        groups.campaign_id,
        groups.segment,
        groups.customer_group,
        coalesce(measured.customers, 0) as customers,
        {{ divide_as_double('measured.repurchasers', 'nullif(measured.customers, 0)') }} as repurchase_rate,
        {{ divide_as_double('measured.orders', 'nullif(measured.customers, 0)') }} as orders_per_customer,
        {{ divide_as_double('measured.revenue', 'nullif(measured.customers, 0)') }} as revenue_per_customer

    from groups
    left join measured
        on groups.snapshot_date = measured.snapshot_date
        and groups.campaign_id = measured.campaign_id
        and groups.segment = measured.segment
        and groups.customer_group = measured.customer_group

),

lifts as (

    select
        contacted.snapshot_date,
        contacted.campaign_id,
        contacted.segment,
        contacted.repurchase_rate - holdout.repurchase_rate as lift,
        {{ lift_standard_error(
            'contacted.repurchase_rate', 'contacted.customers', 'holdout.repurchase_rate', 'holdout.customers'
        ) }} as lift_standard_error

    from rates as contacted
    inner join rates as holdout
        on contacted.snapshot_date = holdout.snapshot_date
        and contacted.campaign_id = holdout.campaign_id
        and contacted.segment = holdout.segment
    where contacted.customer_group = 'contacted'
        and holdout.customer_group = 'holdout'
        and contacted.customers > 0
        and holdout.customers > 0

),

final as (

    select
        rates.snapshot_date,
        rates.campaign_id,
        rates.segment,
        rates.customer_group as {{ adapter.quote('group') }},
        rates.outcome_snapshot,
        cast(rates.customers as integer) as customers,
        rates.repurchase_rate,
        rates.orders_per_customer,
        rates.revenue_per_customer,
        lifts.lift,
        {{ lift_interval('lifts.lift', 'lifts.lift_standard_error') }}

    from rates
    left join lifts
        on rates.snapshot_date = lifts.snapshot_date
        and rates.campaign_id = lifts.campaign_id
        and rates.segment = lifts.segment

)

select * from final
