{#- The latest snapshot of tag_history. -#}
{{ config(materialized='view', full_refresh=none) }}

with

latest as (

    select max(snapshot_date) as snapshot_date from {{ ref('history_snapshots') }}

),

final as (

    select tag_history.*
    from {{ ref('tag_history') }} as tag_history
    inner join latest
        on tag_history.snapshot_date = latest.snapshot_date

)

select * from final
