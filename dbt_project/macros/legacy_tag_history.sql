{#- `union all` the older quarters of the wide tag_history *table* that releases before the tags were
    stored without labels wrote, in the columns of `mart` (the one this history model copies), or
    nothing. tag_history is now a view over customer_tag_history and tag_value_history; the first
    build of each copies those quarters (`distinct`: a value's labels stood on every customer's row),
    and the view then replaces the table, so an upgrade loses no quarter of history. -#}
{% macro legacy_tag_history_rows(mart, distinct=false) -%}
    {%- if execute and not is_incremental() -%}
        {%- set legacy = adapter.get_relation(database=this.database, schema=this.schema, identifier='tag_history') -%}
        {%- if legacy is not none and legacy.is_table -%}
            {%- set columns = adapter.get_columns_in_relation(mart) | map(attribute='name') | join(', ') %}
    union all
    select {{ 'distinct ' if distinct }}{{ columns }}
    from {{ legacy }}
    where snapshot_date != {{ as_of_date() }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
