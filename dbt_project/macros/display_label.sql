{#- The label in the config's display language: `<prefix>_en` when it is 'en', else `<prefix>_zh`. -#}
{% macro display_label(prefix, language='settings.display_language') -%}
    case when {{ language }} = 'en' then {{ prefix }}_en else {{ prefix }}_zh end
{%- endmacro %}
