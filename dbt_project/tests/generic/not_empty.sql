{#- Fails when the model has no rows (e.g. an empty population: nothing to segment or publish). -#}
{% test not_empty(model) %}

select count(*) as row_count
from {{ model }}
having count(*) = 0

{% endtest %}
