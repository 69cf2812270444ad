{#- Every quarter's dim_segment_catalog: this quarter's rows replace those of its snapshot_date. -#}

with

snapshot as (

    select * from {{ ref('dim_segment_catalog') }}

)

select * from snapshot
