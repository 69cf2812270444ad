{#- One value of <config_schema>.insight at compile time, for the thresholds that shape the SQL
    (portrait_max_attributes: one column per attribute). Thresholds that are only compared with data
    are read at run time from stg_config__insight instead, so that unit tests can give them. -#}
{% macro insight_setting(name) -%}
    {%- set rows = segments_config_rows('insight', '1') -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(rows[0][name]) }}
{%- endmacro %}
