{#- numerator / denominator as a DOUBLE (a rate or share). Dispatched because `x * 1.0 / y` is a
    DOUBLE in DuckDB but an exact DECIMAL in Spark and Postgres, whose scale rules round it
    differently. The caller guards the denominator (nullif(y, 0)) as needed. -#}
{% macro divide_as_double(numerator, denominator) -%}
    {{ return(adapter.dispatch('divide_as_double', 'segments')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__divide_as_double(numerator, denominator) -%}
    cast({{ numerator }} as double precision) / {{ denominator }}
{%- endmacro %}

{#- DuckDB divides decimals (and integers) as doubles: the SQL the models always had. -#}
{% macro duckdb__divide_as_double(numerator, denominator) -%}
    {{ numerator }} * 1.0 / {{ denominator }}
{%- endmacro %}

{% macro spark__divide_as_double(numerator, denominator) -%}
    cast({{ numerator }} as double) / {{ denominator }}
{%- endmacro %}
