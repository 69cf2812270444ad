{#- Every quarter's dim_tag_values: this quarter's rows replace those of its snapshot_date. -#}

with

snapshot as (

    select * from {{ ref('dim_tag_values') }}

),

final as (

    select * from snapshot
    {{ legacy_tag_history_rows(ref('dim_tag_values'), distinct=true) }}

)

select * from final
