{#-
    One row per ticket opened on or before D. A resolution after D had not happened on D, so
    resolved_at is null then (as a run at D would have seen it).
-#}

with

source as (

    select * from {{ source('helpdesk', 'tickets') }}

),

tickets as (

    select
        source.*,
        trim(source.ticket_id) as ticket_key,
        row_number() over (
            partition by trim(source.ticket_id)
            order by source._is_latest desc, source._loaded_at desc, source._source_file desc
        ) as ticket_rank

    from source
    where source.created_at < {{ as_of_cutoff() }}

),

final as (

    select
        -- ids
        ticket_key as ticket_id,
        trim(customer_id) as customer_id,

        -- dimensions
        ticket_type,
        nullif(lower(trim(channel)), '') as channel,
        satisfaction_score,

        -- timestamps
        created_at,
        cast(created_at as date) as created_date,
        case when resolved_at < {{ as_of_cutoff() }} then resolved_at end as resolved_at,

        -- metadata
        _source_file as source_file,
        _loaded_at as loaded_at

    from tickets
    where ticket_rank = 1

)

select * from final
