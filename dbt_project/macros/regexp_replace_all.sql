{#- Every match of the (POSIX / RE2) pattern replaced by the replacement; dispatched because DuckDB
    and Postgres replace only the first match unless given the flag 'g', which Spark would read as a
    position (and return NULL). `pattern` is the pattern itself, not a SQL literal: each engine's
    implementation writes the literal its parser needs (Spark unescapes backslashes in string
    literals, so they are doubled there). The replacement is plain text: engines spell
    back-references differently (\1, $1), so none are allowed. -#}
{% macro regexp_replace_all(expression, pattern, replacement) -%}
    {%- if "'" in pattern or "'" in replacement or '\\' in replacement or '$' in replacement -%}
        {{ exceptions.raise_compiler_error(
            "regexp_replace_all: the pattern may not contain a quote, the replacement must be plain "
            ~ "text (no quote, backslash or $), got " ~ pattern ~ " -> " ~ replacement) }}
    {%- endif -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'segments')(expression, pattern, replacement)) }}
{%- endmacro %}

{#- Snowflake, BigQuery, Redshift, Trino: regexp_replace replaces every match. -#}
{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{% macro duckdb__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro postgres__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{#- Java regex; assumes spark.sql.parser.escapedStringLiterals = false (the default). -#}
{% macro spark__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern | replace('\\', '\\\\') }}', '{{ replacement }}')
{%- endmacro %}
