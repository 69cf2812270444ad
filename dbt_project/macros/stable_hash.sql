{#- A hash of a text expression that is the same on every engine and engine version: the lower-case
    hex MD5 digest (32 characters), for reproducible orderings such as the segment samples. Not a
    security measure. Dispatched because DuckDB's hash() is engine-specific (and may change between
    versions) and engines disagree on what md5() returns: hex text in DuckDB, Postgres, Spark and
    Snowflake, bytes in BigQuery. -#}
{% macro stable_hash(expression) -%}
    {{ return(adapter.dispatch('stable_hash', 'segments')(expression)) }}
{%- endmacro %}

{% macro default__stable_hash(expression) -%}
    lower(md5(cast({{ expression }} as {{ dbt.type_string() }})))
{%- endmacro %}

{% macro bigquery__stable_hash(expression) -%}
    to_hex(md5(cast({{ expression }} as string)))
{%- endmacro %}
