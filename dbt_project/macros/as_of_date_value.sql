{#- The snapshot date D as 'YYYY-MM-DD'; fails unless it is the last day of a quarter.
    From the var as_of_date when given (by hand, unit tests), else from the one-row table config.run
    that the pipeline writes before each dbt build (pipelines/transform/dbt.py): a var that changes
    every quarter would make dbt parse the whole project again on every run, a table read at run
    time does not. At parse time a placeholder is returned. -#}
{% macro as_of_date_value() -%}
    {%- set raw = var('as_of_date', none) -%}
    {%- if raw is none -%}
        {%- if not execute -%}
            {{ return('2000-03-31') }}
        {%- endif -%}
        {%- set relation = adapter.get_relation(database=target.database, schema='config', identifier='run') -%}
        {%- if relation is not none -%}
            {%- set result = run_query("select cast(as_of_date as " ~ dbt.type_string() ~ ") from " ~ relation) -%}
            {%- if result.rows | length == 1 -%}
                {%- set raw = result.rows[0][0] -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {%- if raw is none -%}
        {{ exceptions.raise_compiler_error(
            "The as-of date is missing: pass the last day of a quarter as the var as_of_date, e.g. "
            ~ "dbt build --vars '{as_of_date: 2025-12-31}', or write it to config.run (one row, "
            ~ "column as_of_date), as the pipeline does before each dbt build") }}
    {%- endif -%}
    {%- set text = raw | string | trim -%}
    {%- set parsed = none -%}
    {%- if modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {%- set parsed = modules.datetime.datetime.strptime(text, '%Y-%m-%d').date() -%}
    {%- endif -%}
    {%- if parsed is none -%}
        {{ exceptions.raise_compiler_error("as_of_date must be a date YYYY-MM-DD, got '" ~ text ~ "'") }}
    {%- endif -%}
    {%- set next_day = parsed + modules.datetime.timedelta(days=1) -%}
    {%- if next_day.day != 1 or next_day.month not in [1, 4, 7, 10] -%}
        {{ exceptions.raise_compiler_error("as_of_date must be the last day of a quarter, got " ~ text) }}
    {%- endif -%}
    {{ return(text) }}
{%- endmacro %}
