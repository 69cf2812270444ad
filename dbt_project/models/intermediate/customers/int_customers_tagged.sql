{#-
    One row per customer and tag attribute that applies: the customer's tag (customer x tag_code).
    Generated from the tag catalog of the config: each attribute is one CASE over its values' rules
    (first true wins, so at most one value per attribute); a dynamic attribute takes its value from
    value_sql, and its display name from the attribute's vocabulary (the raw value when the
    vocabulary does not list it). Adding or changing a tag is an edit of the catalog, never of this model.
-#}
{%- set attributes = tag_rules() %}

with

customers as (

    select * from {{ ref('int_customers_rfm_scored') }}

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

matched as (

    select
        customer_id,
        snapshot_date
        {%- for attribute in attributes %},
        case
            {%- for tag in attribute['tags'] %}
            when ({{ tag['rule'] }}) then '{{ tag['tag_code'] }}'
            {%- endfor %}
        end as {{ attribute['name'] }}__tag_code,
        {%- if attribute['is_dynamic'] %}
        cast(({{ attribute['value_sql'] }}) as {{ dbt.type_string() }}) as {{ attribute['name'] }}__value
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as {{ attribute['name'] }}__value
        {%- endif %}
        {%- endfor %}

    from customers

),

customer_tags as (

    {%- for attribute in attributes %}
    select
        customer_id,
        snapshot_date,
        {{ attribute['name'] }}__tag_code as tag_code,
        {{ attribute['name'] }}__value as dynamic_value
    from matched
    where {{ attribute['name'] }}__tag_code is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if not attributes %}
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as date) as snapshot_date,
        cast(null as {{ dbt.type_string() }}) as tag_code,
        cast(null as {{ dbt.type_string() }}) as dynamic_value
    where false
    {%- endif %}

),

labelled as (

    select
        customer_tags.snapshot_date,
        customer_tags.customer_id,
        customer_tags.tag_code,
        tag_catalog.tag_name,
        tag_catalog.tag_level1,
        tag_catalog.tag_level2,
        tag_catalog.tag_name_label_zh,
        tag_catalog.tag_name_label_en,
        coalesce(customer_tags.dynamic_value, tag_catalog.tag_value) as tag_value,
        {#- a data-driven value: its vocabulary name, else the raw value #}
        coalesce(tag_catalog.tag_value_label_zh, tag_vocabulary.label_zh, customer_tags.dynamic_value)
            as tag_value_label_zh,
        coalesce(tag_catalog.tag_value_label_en, tag_vocabulary.label_en, customer_tags.dynamic_value)
            as tag_value_label_en

    from customer_tags
    inner join tag_catalog
        on customer_tags.tag_code = tag_catalog.tag_code
    left join tag_vocabulary
        on tag_catalog.tag_name = tag_vocabulary.tag_name
        and customer_tags.dynamic_value = tag_vocabulary.tag_value

),

final as (

    select
        labelled.snapshot_date,
        labelled.customer_id,
        labelled.tag_code,
        labelled.tag_name,
        labelled.tag_level1,
        labelled.tag_level2,
        labelled.tag_value,
        labelled.tag_value_label_zh,
        labelled.tag_value_label_en,
        {{ dbt.concat(['labelled.tag_name_label_zh', "'：'", 'labelled.tag_value_label_zh']) }} as tag_label_zh,
        {{ dbt.concat(['labelled.tag_name_label_en', "': '", 'labelled.tag_value_label_en']) }} as tag_label_en,
        settings.display_language

    from labelled
    cross join settings

)

select * from final
