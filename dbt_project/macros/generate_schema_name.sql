{#- Custom schemas are used as named (staging, intermediate, marts), not prefixed with the target
    schema: the publisher and BI read marts.dim_customers, whatever the target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
