{#- The value of the row with the smallest ordering, ties going to the smallest value: an aggregate
    (one pass, no window over every row). Dispatched because the name differs (DuckDB arg_min,
    Spark min_by) and so does the way to compare two columns at once (a row value / a struct). -#}
{% macro arg_min_by(value, ordering) -%}
    {{ return(adapter.dispatch('arg_min_by', 'segments')(value, ordering)) }}
{%- endmacro %}

{% macro default__arg_min_by(value, ordering) -%}
    arg_min({{ value }}, row({{ ordering }}, {{ value }}))
{%- endmacro %}

{% macro spark__arg_min_by(value, ordering) -%}
    min_by({{ value }}, struct({{ ordering }}, {{ value }}))
{%- endmacro %}
