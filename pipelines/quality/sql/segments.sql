-- Whole-table profile of the snapshot (one row): population, keys and segments. A customer of the
-- snapshot's CRM universe (stg_crm__customers) missing from dim_customers counts as well.
with

snapshot as (

    select customer_id, segment from marts.dim_customers

),

universe as (

    select customer_id from staging.stg_crm__customers

)

select
    (select count(*) from snapshot) as customers,
    (select count(*) - count(customer_id) from snapshot) as null_customer_ids,
    (select count(customer_id) - count(distinct customer_id) from snapshot) as duplicate_customer_ids,
    (select count(*) - count(segment) from snapshot) as customers_without_segment,
    (
        select count(*) from snapshot
        where segment is not null and segment not in (select segment from config.segments)
    ) as customers_with_unknown_segment,
    (
        select count(*) from universe
        where customer_id not in (select customer_id from snapshot where customer_id is not null)
    ) as registered_customers_missing
