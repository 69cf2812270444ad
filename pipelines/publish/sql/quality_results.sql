-- The quality results of the snapshot: this run's if its checks wrote any, else those of the
-- latest run that checked the snapshot; one row per check (the latest, should a check be retried).
insert into history.quality_results by name

with

results as (

    select * from main.quality_results where snapshot_date = $snapshot_date

),

chosen_run as (

    select run_id
    from results
    order by run_id = $run_id desc, checked_at desc
    limit 1

),

final as (

    select results.*
    from results
    where results.run_id = (select run_id from chosen_run)
    qualify row_number() over (
        partition by results.check_name, results.asset_key
        order by results.checked_at desc
    ) = 1

)

select * from final
