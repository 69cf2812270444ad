with

source as (

    select * from {{ source('config', 'tag_catalog') }}

),

final as (

    select
        tag_code,
        tag_name,
        tag_level1,
        tag_level2,
        tag_value,
        tag_level1_label_zh,
        tag_level1_label_en,
        tag_level2_label_zh,
        tag_level2_label_en,
        tag_name_label_zh,
        tag_name_label_en,
        tag_value_label_zh,
        tag_value_label_en,
        definition,
        data_source,
        rule,
        value_sql,
        attribute_order,
        value_order,
        is_dynamic,
        vocabulary,
        may_be_empty

    from source

)

select * from final
