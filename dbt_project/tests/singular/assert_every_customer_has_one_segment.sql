{#-
    Every customer registered on or before D has exactly one row in dim_customers, with a segment
    (CONTRACT section 4). A failure means the snapshot lost or duplicated customers, e.g. a join
    fanned out, or a segment rule set without a catch-all slipped through.
-#}

{#- It reads several models: attach it to dim_customers, so that Dagster shows it as an asset
    check (a blocking one, severity error) instead of an observation. -#}
{{ config(meta={'dagster': {'ref': {'name': 'dim_customers'}}}) }}

with

customers as (

    select customer_id from {{ ref('stg_crm__customers') }}

),

snapshot as (

    select customer_id, segment from {{ ref('dim_customers') }}

),

counted as (

    select
        customers.customer_id,
        count(snapshot.customer_id) as snapshot_rows,
        count(snapshot.segment) as segments

    from customers
    left join snapshot
        on customers.customer_id = snapshot.customer_id
    group by customers.customer_id

)

select * from counted where snapshot_rows != 1 or segments != 1
