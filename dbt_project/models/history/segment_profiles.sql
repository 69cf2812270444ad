{#- Every quarter's fct_segment_profiles: this quarter's rows replace those of its snapshot_date. -#}

with

snapshot as (

    select * from {{ ref('fct_segment_profiles') }}

)

select * from snapshot
