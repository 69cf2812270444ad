{#- The snapshot date D as 'YYYY-MM-DD', from the required var as_of_date; fails unless it is the
    last day of a quarter. At parse time (no var needed) a placeholder is returned. -#}
{% macro as_of_date_value() -%}
    {%- set raw = var('as_of_date', none) -%}
    {%- if raw is none -%}
        {%- if execute -%}
            {{ exceptions.raise_compiler_error(
                "The var as_of_date is required (the last day of a quarter, YYYY-MM-DD), e.g. "
                ~ "dbt build --vars '{as_of_date: 2025-12-31}'") }}
        {%- endif -%}
        {{ return('2000-03-31') }}
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
