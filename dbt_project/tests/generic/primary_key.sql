{#- The grain key: fails for every value of the key columns that is null in any column or appears
    more than once. One query where a `unique` and a `not_null` test per column took one each (one
    dbt node and one Dagster check each). On a column: `data_tests: [primary_key]`; on the model,
    for a key of several columns: `primary_key: {arguments: {columns: [...]}}`. A key that may
    hold a null on purpose: unique_combination_of_columns. -#}
{% test primary_key(model, column_name=none, columns=none) %}
{%- set key = columns if columns else [column_name] -%}

select
    {{ key | join(', ') }},
    count(*) as rows_with_key

from {{ model }}
group by {{ key | join(', ') }}
having count(*) > 1
    {%- for column in key %}
    or {{ column }} is null
    {%- endfor %}

{% endtest %}
