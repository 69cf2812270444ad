{#- The dimensions of segment_profiles of one kind (tag, column or numeric) at compile time, in config
    order (config insight.segment_profile_*): a list of {dimension, label_zh, label_en}. -#}
{% macro profile_dimensions(kind) -%}
    {%- set dimensions = [] -%}
    {%- for row in segments_config_rows('profile_dimensions', 'dimension_order') -%}
        {%- if row['dimension_kind'] == kind -%}
            {%- do dimensions.append(row) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(dimensions) }}
{%- endmacro %}
