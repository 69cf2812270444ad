{#- Whole years from one date to a later one (an age: the birthday must have passed), portable:
    compares yyyymmdd numbers instead of a dialect's age() function. -#}
{% macro full_years_between(start_date, end_date) -%}
    cast(floor((
        (extract(year from {{ end_date }}) * 10000 + extract(month from {{ end_date }}) * 100
            + extract(day from {{ end_date }}))
        - (extract(year from {{ start_date }}) * 10000 + extract(month from {{ start_date }}) * 100
            + extract(day from {{ start_date }}))
    ) / 10000) as integer)
{%- endmacro %}
