{#- The first day of the quarter that ends on D, as a SQL date literal (computed at compile time from
    the as_of_date var, so no engine-specific date function is needed). -#}
{% macro quarter_start_date() -%}
    {%- set as_of = modules.datetime.datetime.strptime(as_of_date_value(), '%Y-%m-%d') -%}
    cast('{{ "%04d-%02d-01" | format(as_of.year, as_of.month - 2) }}' as date)
{%- endmacro %}
