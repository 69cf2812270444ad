{#- One row per customer and tag (customer x tag_code) of the snapshot. -#}

with

tags as (

    select * from {{ ref('int_customers_tagged') }}

),

final as (

    select
        snapshot_date,
        customer_id,
        tag_code,
        tag_name,
        tag_level1,
        tag_level2,
        tag_value,
        {{ display_label('tag_value_label', language='display_language') }} as tag_value_label,
        tag_value_label_zh,
        tag_value_label_en,
        {{ display_label('tag_label', language='display_language') }} as tag_label,
        tag_label_zh,
        tag_label_en

    from tags

)

select * from final
