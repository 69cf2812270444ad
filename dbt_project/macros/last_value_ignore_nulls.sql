{#- The last non-null value of the expression in the window frame; the caller writes `over (...)`
    after it. Dispatched because IGNORE NULLS is spelt differently (inside the call in DuckDB and
    BigQuery, after it in Snowflake, a second argument in Spark) and Postgres has none. -#}
{% macro last_value_ignore_nulls(expression) -%}
    {{ return(adapter.dispatch('last_value_ignore_nulls', 'segments')(expression)) }}
{%- endmacro %}

{% macro default__last_value_ignore_nulls(expression) -%}
    last_value({{ expression }} ignore nulls)
{%- endmacro %}

{% macro snowflake__last_value_ignore_nulls(expression) -%}
    last_value({{ expression }}) ignore nulls
{%- endmacro %}

{% macro spark__last_value_ignore_nulls(expression) -%}
    last({{ expression }}, true)
{%- endmacro %}
