{#- The first instant after D (exclusive upper bound for event timestamps), in UTC: an event counts
    when its timestamp is < this value. -#}
{% macro as_of_cutoff() -%}
    {%- set day_after = modules.datetime.datetime.strptime(as_of_date_value(), '%Y-%m-%d')
        + modules.datetime.timedelta(days=1) -%}
    cast('{{ day_after.strftime("%Y-%m-%d") }} 00:00:00+00:00' as timestamp with time zone)
{%- endmacro %}
