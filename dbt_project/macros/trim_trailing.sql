{#- The expression without any trailing run of the given characters (a set, not a suffix), e.g. a
    list's last separator. Dispatched because the two-argument rtrim takes (string, characters) in
    DuckDB, Postgres and Snowflake but (characters, string) in Spark, silently trimming the wrong one. -#}
{% macro trim_trailing(expression, characters) -%}
    {{ return(adapter.dispatch('trim_trailing', 'segments')(expression, characters)) }}
{%- endmacro %}

{% macro default__trim_trailing(expression, characters) -%}
    rtrim({{ expression }}, '{{ characters }}')
{%- endmacro %}

{% macro spark__trim_trailing(expression, characters) -%}
    trim(trailing '{{ characters }}' from {{ expression }})
{%- endmacro %}
