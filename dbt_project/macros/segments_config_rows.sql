{#- Rows of a config table (written by pipelines.config.write_config_tables) as a list of dicts, read
    at compile time so that rules (SQL) can be inlined into models. Empty at parse time.
    The schema is var('config_schema'): unit tests point it at config_defaults. -#}
{% macro segments_config_rows(table, order_by) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set schema = var('config_schema', 'config') -%}
    {%- set relation = adapter.get_relation(database=target.database, schema=schema, identifier=table) -%}
    {%- if relation is none -%}
        {{ exceptions.raise_compiler_error(
            "Config table " ~ schema ~ "." ~ table ~ " is missing from the warehouse. Write the config "
            ~ "before dbt runs: pipelines.config.write_config_tables(conn, load_config()).") }}
    {%- endif -%}
    {%- set result = run_query("select * from " ~ relation ~ " order by " ~ order_by) -%}
    {%- set rows = [] -%}
    {%- for row in result.rows -%}
        {%- do rows.append(row.dict()) -%}
    {%- endfor -%}
    {{ return(rows) }}
{%- endmacro %}
