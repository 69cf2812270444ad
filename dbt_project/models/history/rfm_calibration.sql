{#- Every quarter's dim_rfm_calibration: this quarter's rows replace those of its snapshot_date. -#}

with

snapshot as (

    select * from {{ ref('dim_rfm_calibration') }}

)

select * from snapshot
