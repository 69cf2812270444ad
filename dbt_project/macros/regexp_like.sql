{#- True when the expression matches the (POSIX / RE2) pattern; dispatched because every warehouse
    spells regex matching differently. -#}
{% macro regexp_like(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_like', 'segments')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_like(expression, pattern) -%}
    regexp_like({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regexp_like(expression, pattern) -%}
    regexp_matches({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regexp_like(expression, pattern) -%}
    ({{ expression }} ~ '{{ pattern }}')
{%- endmacro %}

{#- Java regex; the pattern's backslashes are doubled because Spark unescapes string literals
    (assumes spark.sql.parser.escapedStringLiterals = false, the default). -#}
{% macro spark__regexp_like(expression, pattern) -%}
    ({{ expression }} rlike '{{ pattern | replace('\\', '\\\\') }}')
{%- endmacro %}
