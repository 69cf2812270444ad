{#-
    This quarter's snapshot holds not far fewer customers than the one before it in history, nor the
    one after it far fewer than this one (at most var max_customer_drop fewer). Customers count once
    registered and leave only when deleted from the CRM, so a large drop means a broken or partial
    source drop: such a snapshot must not reach BI tools. Only the pairs through this quarter are
    judged, so one bad quarter never blocks the others; re-run it with good data.
-#}

with

counts as (

    select snapshot_date, count(*) as customers
    from {{ ref('segment_history') }}
    group by snapshot_date

),

compared as (

    select
        snapshot_date,
        customers,
        lag(snapshot_date) over (order by snapshot_date) as snapshot_before,
        lag(customers) over (order by snapshot_date) as customers_before

    from counts

)

select *
from compared
where ({{ as_of_date() }} in (snapshot_date, snapshot_before))
    and customers_before > 0
    and (customers_before - customers) * 1.0 / customers_before > {{ var('max_customer_drop') }}
