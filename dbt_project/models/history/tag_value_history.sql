{#- Every quarter's dim_tag_values: this quarter's rows replace those of its snapshot_date. -#}
{%- set legacy = legacy_tag_history() %}
{%- set columns = [
    'snapshot_date', 'tag_code', 'tag_value', 'tag_name', 'tag_level1', 'tag_level2',
    'tag_value_label', 'tag_value_label_zh', 'tag_value_label_en', 'tag_label', 'tag_label_zh', 'tag_label_en',
] %}

with

snapshot as (

    select * from {{ ref('dim_tag_values') }}

),

final as (

    select {{ columns | join(', ') }}
    from snapshot
    {%- if legacy is not none %}

    union all

    {#- the labels of the quarters an earlier release wrote per customer into the wide tag_history
        table (read once): a tag value's labels were the same on every customer's row #}
    select distinct {{ columns | join(', ') }}
    from {{ legacy }}
    where snapshot_date != {{ as_of_date() }}
    {%- endif %}

)

select * from final
