{#- Every quarter's dim_customers: this quarter's rows replace those of its snapshot_date. -#}

with

snapshot as (

    select * from {{ ref('dim_customers') }}

)

select * from snapshot
