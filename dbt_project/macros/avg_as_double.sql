{#- The mean of a DECIMAL expression as a DOUBLE, computed as DuckDB does: the exact sum divided by
    the count. An aggregate. Dispatched because Spark's avg(decimal) is a DECIMAL rounded to the
    input's scale + 4, so the means would differ from the sixth decimal on. -#}
{% macro avg_as_double(expression) -%}
    {{ return(adapter.dispatch('avg_as_double', 'segments')(expression)) }}
{%- endmacro %}

{% macro default__avg_as_double(expression) -%}
    avg({{ expression }})
{%- endmacro %}

{% macro spark__avg_as_double(expression) -%}
    cast(sum({{ expression }}) as double) / nullif(count({{ expression }}), 0)
{%- endmacro %}
