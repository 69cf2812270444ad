{#- Every quarter's fct_customer_tags: this quarter's rows replace those of its snapshot_date. -#}
{%- set legacy = legacy_tag_history() %}

with

snapshot as (

    select * from {{ ref('fct_customer_tags') }}

),

final as (

    select
        snapshot_date,
        customer_id,
        tag_code,
        tag_name,
        tag_value

    from snapshot
    {%- if legacy is not none %}

    union all

    {#- the quarters an earlier release wrote into the wide tag_history table (read once) #}
    select
        snapshot_date,
        customer_id,
        tag_code,
        tag_name,
        tag_value

    from {{ legacy }}
    where snapshot_date != {{ as_of_date() }}
    {%- endif %}

)

select * from final
