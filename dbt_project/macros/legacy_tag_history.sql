{#- The wide tag_history *table* of releases that stored every tag's labels per customer, or none.
    tag_history is now a view over customer_tag_history and tag_value_history; the first build of
    each copies the older quarters out of that table (the view then replaces it), so an upgrade
    loses no quarter of history. -#}
{% macro legacy_tag_history() -%}
    {%- if not execute or is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(database=this.database, schema=this.schema, identifier='tag_history') -%}
    {{ return(relation if relation is not none and relation.is_table else none) }}
{%- endmacro %}
