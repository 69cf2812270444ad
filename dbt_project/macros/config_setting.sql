{#- One value of <config_schema>.settings at compile time (for the rules, which are SQL; data is
    read at run time from stg_config__settings instead). -#}
{% macro config_setting(name) -%}
    {%- set rows = segments_config_rows('settings', '1') -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(rows[0][name]) }}
{%- endmacro %}
