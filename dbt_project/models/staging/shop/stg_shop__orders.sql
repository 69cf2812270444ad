{#-
    One row per order placed on or before D, in its latest version updated on or before D (not
    `_is_latest`, the winner over all time). A version dated after D, or placing the order after D,
    is what a run at D could not have seen (extraction quarantines future timestamps), so it is
    ignored; a version without updated_at dates from its order_ts.
-#}

with

source as (

    select * from {{ source('shop', 'orders') }}

),

versions as (

    select
        source.*,
        trim(source.order_id) as order_key,
        row_number() over (
            partition by trim(source.order_id)
            order by
                coalesce(source.updated_at, source.order_ts) desc,
                source._is_latest desc,
                source._loaded_at desc,
                source._source_file desc
        ) as version_rank

    from source
    where
        source.order_ts < {{ as_of_cutoff() }}
        and coalesce(source.updated_at, source.order_ts) < {{ as_of_cutoff() }}

),

final as (

    select
        -- ids
        order_key as order_id,
        trim(customer_id) as customer_id,

        -- dimensions
        status as order_status,
        status = 'completed' as is_completed,
        status = 'refunded' as is_refunded,
        status = 'cancelled' as is_cancelled,
        nullif(regexp_replace(trim(category), '\s+', ' ', 'g'), '') as category,
        channel,
        case
            when channel in ('app', 'web', 'mini_program') then 'online'
            when channel = 'store' then 'offline'
        end as channel_type,
        nullif(lower(trim(payment_method)), '') as payment_method,

        -- amounts
        amount,
        {# No discount recorded means none was given. #}
        coalesce(discount_amount, 0) as discount_amount,
        discount_amount is null as is_discount_missing,

        -- timestamps
        order_ts as ordered_at,
        cast(order_ts as date) as order_date,
        updated_at,

        -- metadata
        _invalid_fields as invalid_fields,
        _source_file as source_file,
        _loaded_at as loaded_at

    from versions
    where version_rank = 1

)

select * from final
