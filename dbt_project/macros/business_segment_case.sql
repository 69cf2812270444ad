{#- The business segment as one CASE over the segment rules of the config, in priority order:
    the first true rule wins and the catch-all is the ELSE, so every row gets exactly one segment
    (a rule that is NULL does not match). Inlined at compile time from <config_schema>.segments. -#}
{% macro business_segment_case() -%}
    {%- set segments = segments_config_rows('segments', 'priority') -%}
    {%- if not execute -%}
        {{ return("cast(null as varchar)") }}
    {%- endif -%}
    case
    {%- for segment in segments if not segment['is_catch_all'] %}
        when ({{ segment['rule'] }}) then '{{ segment['segment'] }}'
    {%- endfor %}
        else '{{ (segments | selectattr("is_catch_all") | first)["segment"] }}'
    end
{%- endmacro %}
