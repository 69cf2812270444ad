{#- The tag catalog's rules at compile time, grouped by attribute in catalog order:
    a list of {name, is_dynamic, value_sql, tags: [{tag_code, rule}, ...]}. -#}
{% macro tag_rules() -%}
    {%- set attributes = [] -%}
    {%- for row in segments_config_rows('tag_catalog', 'attribute_order, value_order') -%}
        {%- if not attributes or attributes[-1]['name'] != row['tag_name'] -%}
            {%- do attributes.append({
                'name': row['tag_name'],
                'is_dynamic': row['is_dynamic'],
                'value_sql': row['value_sql'],
                'tags': [],
            }) -%}
        {%- endif -%}
        {%- do attributes[-1]['tags'].append({'tag_code': row['tag_code'], 'rule': row['rule']}) -%}
    {%- endfor -%}
    {{ return(attributes) }}
{%- endmacro %}
