{#-
    One row per snapshot in history: which write of it is current. `version` is the dbt invocation
    that wrote it, so the publisher rewrites exactly the published files of quarters written since.
-#}

with

customers as (

    select snapshot_date from {{ ref('segment_history') }}
    where snapshot_date = {{ as_of_date() }}

),

final as (

    select
        {{ as_of_date() }} as snapshot_date,
        '{{ invocation_id }}' as version,
        {{ dbt.current_timestamp() }} as written_at,
        (select count(*) from customers) as customers

)

select * from final
