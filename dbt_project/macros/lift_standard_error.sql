{#- Standard error of the difference of two proportions p1 - p0 (normal approximation, Wald):
    sqrt(p1 (1 - p1) / n1 + p0 (1 - p0) / n0). The 95 % interval of a lift is lift +/- var('lift_ci_z')
    times it (lift_interval below). Portable SQL: no dispatch needed. -#}
{% macro lift_standard_error(rate_1, customers_1, rate_0, customers_0) -%}
    sqrt(
        {{ rate_1 }} * (1 - {{ rate_1 }}) / {{ customers_1 }}
        + {{ rate_0 }} * (1 - {{ rate_0 }}) / {{ customers_0 }}
    )
{%- endmacro %}


{#- The interval columns lift_ci_low, lift_ci_high: lift -/+ var('lift_ci_z') standard errors. -#}
{% macro lift_interval(lift, standard_error) -%}
    {{ lift }} - {{ var('lift_ci_z') }} * {{ standard_error }} as lift_ci_low,
        {{ lift }} + {{ var('lift_ci_z') }} * {{ standard_error }} as lift_ci_high
{%- endmacro %}
