-- The latest load of one source next to its previous load (one row): share of rows quarantined
-- and the change of the rows read (null when there is no previous load).
with

loads as (

    select
        rows_read,
        rows_quarantined,
        loaded_at,
        row_number() over (order by loaded_at desc) as recency

    from load_audit
    where source = $source

),

latest as (select * from loads where recency = 1),

previous as (select * from loads where recency = 2)

select
    latest.rows_read,
    latest.rows_quarantined,
    latest.rows_quarantined / nullif(latest.rows_read, 0) as quarantine_rate,
    previous.rows_read as previous_rows_read,
    latest.rows_read / nullif(previous.rows_read, 0) - 1 as volume_change,
    strftime(latest.loaded_at, '%Y-%m-%dT%H:%M:%SZ') as loaded_at,
    strftime(previous.loaded_at, '%Y-%m-%dT%H:%M:%SZ') as previous_loaded_at

from latest
left join previous on true
