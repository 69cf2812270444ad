{#- Every quarter's fct_customer_tags: this quarter's rows replace those of its snapshot_date. -#}

with

snapshot as (

    select * from {{ ref('fct_customer_tags') }}

),

final as (

    select * from snapshot
    {{ legacy_tag_history_rows(ref('fct_customer_tags')) }}

)

select * from final
