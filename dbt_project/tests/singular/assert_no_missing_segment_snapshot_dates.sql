{#-
    Every quarter between the first and the last snapshot of segment_history is there. A failure
    (a warning) means a quarter was skipped or failed: its migrations then span two quarters. Run the
    missing quarter (segments run --quarter ...).
-#}
{{ config(severity='warn') }}

with

snapshots as (

    select distinct snapshot_date from {{ ref('segment_history') }}

),

numbered as (

    select
        snapshot_date,
        {#- quarters since year 0: consecutive quarters differ by one -#}
        extract(year from snapshot_date) * 4 + floor((extract(month from snapshot_date) - 1) / 3)
            as quarter_number

    from snapshots

),

gaps as (

    select
        snapshot_date,
        quarter_number - lag(quarter_number) over (order by snapshot_date) - 1 as missing_quarters

    from numbered

)

select * from gaps where missing_quarters > 0
