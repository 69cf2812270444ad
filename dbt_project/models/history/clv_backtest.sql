{#-
    How well the predicted value foresaw the quarter after a snapshot S: S's customers with a
    prediction, in ten groups by expected_orders_90d (decile 1 the lowest; ties broken by
    customer_id, so the split is reproducible), each with the mean predicted orders and the mean
    completed orders they placed in the calendar quarter after S (quarter_orders of the next quarter
    end T; 0 for a customer no longer in T's snapshot). The actual columns are null until T is in
    history; written for S = this quarter and the one before it (outcome_pairs), as segment_outcomes.
-#}

with

history as (

    select snapshot_date, customer_id, p_alive, expected_orders_90d, quarter_orders
    from {{ ref('segment_history') }}
    where snapshot_date in (select snapshot_date from {{ ref('history_snapshots') }})

),

written as (

    {#- The snapshots this run writes; outcome_snapshot null until the next quarter is in. -#}
    {{ outcome_pairs('history') }}

),

predicted as (

    select
        written.snapshot_date,
        written.outcome_snapshot,
        earlier.customer_id,
        earlier.p_alive,
        earlier.expected_orders_90d,
        ntile(10) over (
            partition by written.snapshot_date
            order by earlier.expected_orders_90d, earlier.customer_id
        ) as decile

    from written
    inner join history as earlier
        on earlier.snapshot_date = written.snapshot_date
    where earlier.expected_orders_90d is not null

),

compared as (

    select
        predicted.*,
        case when predicted.outcome_snapshot is not null then coalesce(later.quarter_orders, 0) end
            as actual_orders

    from predicted
    left join history as later
        on later.snapshot_date = predicted.outcome_snapshot
        and later.customer_id = predicted.customer_id

),

final as (

    select
        snapshot_date,
        cast(decile as integer) as decile,
        max(outcome_snapshot) as outcome_snapshot,
        cast(count(*) as integer) as customers,
        {{ avg_as_double('p_alive') }} as mean_p_alive,
        {{ avg_as_double('expected_orders_90d') }} as predicted_orders_per_customer,
        {{ avg_as_double('actual_orders') }} as actual_orders_per_customer,
        cast(sum(expected_orders_90d) as double) as predicted_orders,
        cast(sum(actual_orders) as double) as actual_orders,
        {{ divide_as_double(
            'sum(case when actual_orders > 0 then 1 else 0 end)', 'nullif(count(actual_orders), 0)'
        ) }} as actual_repurchase_rate

    from compared
    group by snapshot_date, decile

)

select * from final
