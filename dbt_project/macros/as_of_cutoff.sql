{#- The first instant after D (exclusive upper bound for event timestamps), in UTC: an event counts
    when its timestamp is < this value. Dispatched because the type of an instant differs: DuckDB
    and Postgres call it `timestamp with time zone`, Spark's `timestamp` is one (TIMESTAMP_LTZ). -#}
{% macro as_of_cutoff() -%}
    {%- set day_after = modules.datetime.datetime.strptime(as_of_date_value(), '%Y-%m-%d')
        + modules.datetime.timedelta(days=1) -%}
    {{ return(adapter.dispatch('as_of_cutoff', 'segments')(day_after.strftime("%Y-%m-%d"))) }}
{%- endmacro %}

{#- day_after: 'YYYY-MM-DD', the day after D; the result is its midnight in UTC. -#}
{% macro default__as_of_cutoff(day_after) -%}
    cast('{{ day_after }} 00:00:00+00:00' as timestamp with time zone)
{%- endmacro %}

{#- The explicit offset makes it the same instant whatever spark.sql.session.timeZone is (which must
    still be UTC for the dates of events, as DuckDB's TimeZone is). Assumes the default
    spark.sql.timestampType (TIMESTAMP_LTZ). -#}
{% macro spark__as_of_cutoff(day_after) -%}
    cast('{{ day_after }} 00:00:00+00:00' as timestamp)
{%- endmacro %}
