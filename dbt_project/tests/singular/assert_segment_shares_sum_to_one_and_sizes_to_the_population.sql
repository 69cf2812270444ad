{#-
    The segment summary accounts for the whole snapshot: every customer_share is in [0, 1], the
    shares sum to 1 (rounding tolerance 1e-6) and the segment sizes add up to the customers of
    dim_customers. A failure means the summary lost, duplicated or invented customers (e.g. a
    segment dropped by a filter, a fanned-out join), or the shares were computed on another total.
    One row of the observed values when it fails.
-#}

{#- It reads several models: attach it to fct_segment_summary, so that Dagster shows it as an
    asset check (a blocking one, severity error) instead of an observation. -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_segment_summary'}}}) }}

with

summary as (

    select
        count(*) filter (where not coalesce(customer_share between 0 and 1, false))
            as shares_outside_0_1,
        coalesce(sum(customer_share), 0) as share_sum,
        coalesce(sum(customers), 0) as customers_sum

    from {{ ref('fct_segment_summary') }}

),

population as (

    select count(*) as population from {{ ref('dim_customers') }}

),

compared as (

    {#- one row each side: a 1 x 1 join -#}
    select summary.*, population.population
    from summary
    cross join population

)

{# Shares of an empty population cannot sum to 1: that case is dim_customers_not_empty's failure. #}
select *
from compared
where shares_outside_0_1 > 0
    or (population > 0 and abs(share_sum - 1) > 1e-6)
    or customers_sum != population
