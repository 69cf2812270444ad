{#- The grain key: fails for every value of the key columns that appears more than once, or that is
    null in a key column not listed in `nullable` (a key that holds a null on purpose: a numeric
    profile dimension has no value; nulls then count as one value). One query where a `unique` and
    a `not_null` test per column took one each (one dbt node and one Dagster check each). On a
    column: `data_tests: [primary_key]`; on the model, for a key of several columns:
    `primary_key: {arguments: {columns: [...], nullable: [...]}}`. -#}
{% test primary_key(model, column_name=none, columns=none, nullable=[]) %}
{%- set key = columns if columns else [column_name] -%}

select
    {{ key | join(', ') }},
    count(*) as rows_with_key

from {{ model }}
group by {{ key | join(', ') }}
having count(*) > 1
    {%- for column in key if column not in nullable %}
    or {{ column }} is null
    {%- endfor %}

{% endtest %}
