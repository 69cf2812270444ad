{#- One row per tag_code: the tag catalog in force for the snapshot. -#}

with

tag_catalog as (

    select * from {{ ref('stg_config__tag_catalog') }}

),

final as (

    select
        {{ as_of_date() }} as snapshot_date,
        tag_code,
        tag_name,
        tag_level1,
        tag_level2,
        coalesce(tag_value, {{ dbt.concat(["'<'", 'value_sql', "'>'"]) }}) as tag_value,
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
        is_dynamic,
        attribute_order,
        value_order

    from tag_catalog

)

select * from final
