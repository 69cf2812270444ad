{#- One row per customer of the snapshot and campaign sent to them in the calendar quarter ending
    on D: what campaign_outcomes reads one snapshot later (the customers contacted in the quarter
    after the previous snapshot). -#}

with

sends as (

    select * from {{ ref('stg_marketing__campaigns') }}
    where sent_date >= {{ quarter_start_date() }}

),

customers as (

    select customer_id from {{ ref('dim_customers') }}

),

final as (

    select
        {{ as_of_date() }} as snapshot_date,
        sends.customer_id,
        sends.campaign_id,
        cast(count(*) as integer) as sends,
        min(sends.sent_date) as first_sent_date

    from sends
    inner join customers
        on sends.customer_id = customers.customer_id
    group by sends.customer_id, sends.campaign_id

)

select * from final
