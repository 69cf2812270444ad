{#- Every quarter's tags with their levels and labels: the rows of customer_tag_history, labelled by
    their quarter's tag_value_history. A view: the labels are written once per tag value, not once
    per customer (the publisher writes each quarter's labelled rows to Parquet). -#}
{{ config(materialized='view', full_refresh=none) }}

with

tag_rows as (

    select * from {{ ref('customer_tag_history') }}

),

tag_values as (

    select * from {{ ref('tag_value_history') }}

),

final as (

    select
        tag_rows.snapshot_date,
        tag_rows.customer_id,
        tag_rows.tag_code,
        tag_rows.tag_name,
        tag_values.tag_level1,
        tag_values.tag_level2,
        tag_rows.tag_value,
        tag_values.tag_value_label,
        tag_values.tag_value_label_zh,
        tag_values.tag_value_label_en,
        tag_values.tag_label,
        tag_values.tag_label_zh,
        tag_values.tag_label_en

    from tag_rows
    {#- left: a tag row is never dropped for want of its labels (tag_value_history has one row per
        value that dim_tag_values built from these very rows) #}
    left join tag_values
        on tag_rows.snapshot_date = tag_values.snapshot_date
        and tag_rows.tag_code = tag_values.tag_code
        and tag_rows.tag_value = tag_values.tag_value

)

select * from final
