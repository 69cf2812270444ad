{#- Fails for every combination of the columns that appears more than once (the grain key). -#}
{% test unique_combination_of_columns(model, combination) %}

select
    {{ combination | join(', ') }},
    count(*) as rows_with_key

from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1

{% endtest %}
