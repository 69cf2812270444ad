{#-
    One row per tag_code and value of the snapshot: every fixed value of the catalog, and every value
    of a data-driven attribute that a customer holds, with the display labels the tags show. The tags
    themselves (fct_customer_tags, ~15 per customer) carry no labels: writing them per customer was
    the largest cost of the tag tables, for a few hundred distinct labels.
-#}

with

tags as (

    select * from {{ ref('fct_customer_tags') }}

),

tag_catalog as (

    select * from {{ ref('stg_config__tag_catalog') }}

),

tag_vocabulary as (

    select * from {{ ref('stg_config__tag_vocabulary') }}

),

settings as (

    select * from {{ ref('stg_config__settings') }}

),

held_values as (

    select distinct
        tag_code,
        tag_value

    from tags

),

tag_values as (

    select
        tag_code,
        tag_value,
        cast(null as {{ dbt.type_string() }}) as dynamic_value

    from tag_catalog
    where not tag_catalog.is_dynamic

    union all

    select
        held_values.tag_code,
        held_values.tag_value,
        held_values.tag_value as dynamic_value

    from held_values
    inner join tag_catalog
        on held_values.tag_code = tag_catalog.tag_code
    where tag_catalog.is_dynamic

),

value_labelled as (

    select
        tag_values.tag_code,
        tag_values.tag_value,
        tag_catalog.tag_name,
        tag_catalog.tag_level1,
        tag_catalog.tag_level2,
        tag_catalog.tag_name_label_zh,
        tag_catalog.tag_name_label_en,
        {#- a data-driven value: its vocabulary name, else the raw value #}
        coalesce(tag_catalog.tag_value_label_zh, tag_vocabulary.label_zh, tag_values.dynamic_value)
            as tag_value_label_zh,
        coalesce(tag_catalog.tag_value_label_en, tag_vocabulary.label_en, tag_values.dynamic_value)
            as tag_value_label_en

    from tag_values
    inner join tag_catalog
        on tag_values.tag_code = tag_catalog.tag_code
    left join tag_vocabulary
        on tag_catalog.tag_name = tag_vocabulary.tag_name
        and tag_values.dynamic_value = tag_vocabulary.tag_value

),

labelled as (

    select
        value_labelled.*,
        {{ dbt.concat(['tag_name_label_zh', "'：'", 'tag_value_label_zh']) }} as tag_label_zh,
        {{ dbt.concat(['tag_name_label_en', "': '", 'tag_value_label_en']) }} as tag_label_en

    from value_labelled

),

final as (

    select
        {{ as_of_date() }} as snapshot_date,
        labelled.tag_code,
        labelled.tag_value,
        labelled.tag_name,
        labelled.tag_level1,
        labelled.tag_level2,
        {{ display_label('labelled.tag_value_label', language='settings.display_language') }} as tag_value_label,
        labelled.tag_value_label_zh,
        labelled.tag_value_label_en,
        {{ display_label('labelled.tag_label', language='settings.display_language') }} as tag_label,
        labelled.tag_label_zh,
        labelled.tag_label_en

    from labelled
    cross join settings

)

select * from final
