{#-
    One row per customer and tag attribute that applies: the customer's tag (customer x tag_code).
    Generated from the tag catalog of the config: each attribute is one CASE over its values' rules
    (first true wins, so at most one value per attribute); a dynamic attribute takes its value from
    value_sql. The labels of each (tag_code, tag_value) are dim_tag_values: one row per value, not
    per customer. Adding or changing a tag is an edit of the catalog, never of this model.
-#}
{%- set attributes = tag_rules() %}

with

customers as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

tag_catalog as (

    select * from {{ ref('stg_config__tag_catalog') }}

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

final as (

    select
        customer_tags.snapshot_date,
        customer_tags.customer_id,
        customer_tags.tag_code,
        tag_catalog.tag_name,
        coalesce(customer_tags.dynamic_value, tag_catalog.tag_value) as tag_value

    from customer_tags
    inner join tag_catalog
        on customer_tags.tag_code = tag_catalog.tag_code

)

select * from final
