{#- Every quarter's fct_segment_portraits: this quarter's rows replace those of its snapshot_date. -#}

with

snapshot as (

    select * from {{ ref('fct_segment_portraits') }}

)

select * from snapshot
