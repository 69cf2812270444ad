{#- The continuous (linearly interpolated) percentile of the expression in the group, an aggregate;
    the fraction must be a constant. Dispatched because the ordered-set syntax WITHIN GROUP is
    missing from Spark before 3.4 (where it is rewritten to percentile(), used directly here). -#}
{% macro percentile_cont(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'segments')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro spark__percentile_cont(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}
