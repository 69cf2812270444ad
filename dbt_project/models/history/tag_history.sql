{#- Every quarter's fct_customer_tags: this quarter's rows replace those of its snapshot_date. -#}

with

snapshot as (

    select * from {{ ref('fct_customer_tags') }}

)

select * from snapshot
