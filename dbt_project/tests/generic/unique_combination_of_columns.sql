{#- Fails for every combination of the columns that appears more than once: the grain of a model
    whose key may hold a null on purpose (a numeric profile dimension has no value, an overall
    measure no feature; nulls count as one value). Keys that are never null: primary_key. -#}
{% test unique_combination_of_columns(model, combination) %}

select
    {{ combination | join(', ') }},
    count(*) as rows_with_key

from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1

{% endtest %}
