{#- Fails unless the model has exactly `expected` rows (e.g. one-row settings). -#}
{% test row_count_equals(model, expected) %}

select count(*) as row_count
from {{ model }}
having count(*) != {{ expected }}

{% endtest %}
