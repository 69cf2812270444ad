{#- Aggregate: the linearly interpolated quantile (as percentile_cont / pandas' default) of `value`,
    given its 0-based position in ascending order and the group size, for a fraction that may be a
    column (percentile_cont needs a constant). -#}
{% macro linear_quantile(value, position, group_size, fraction) -%}
    {%- set exact = '((' ~ group_size ~ ' - 1) * (' ~ fraction ~ '))' -%}
    (
        min(case when {{ position }} = floor({{ exact }}) then {{ value }} end)
        + ({{ exact }} - floor({{ exact }}))
        * (
            min(case when {{ position }} = ceil({{ exact }}) then {{ value }} end)
            - min(case when {{ position }} = floor({{ exact }}) then {{ value }} end)
        )
    )
{%- endmacro %}
