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

keys_with_versions as (

    {#- Only keys that can have several versions need ranking, about 1 % of them. Extraction marks
        exactly one `_is_latest` row per key as read (a blocking check on the raw table), so a key
        has several versions only if one is superseded, or if a key with spaces around it trims to
        it. Both spellings are listed: the other 99 % of the orders then skip the ranking window
        (a sort of every order with all its columns, most of this model's 20-26 s at 10M orders)
        and the trim of their key, which is already trimmed. -#}
    select order_id
    from source
    where not coalesce(_is_latest, false) or order_id != trim(order_id)

    union

    select trim(order_id) as order_id
    from source
    where not coalesce(_is_latest, false) or order_id != trim(order_id)

),

eligible as (

    select *
    from source
    where
        order_ts < {{ as_of_cutoff() }}
        and coalesce(updated_at, order_ts) < {{ as_of_cutoff() }}

),

single_versions as (

    select
        eligible.*,
        eligible.order_id as order_key,
        1 as version_rank

    from eligible
    where not exists (
        select 1 from keys_with_versions where keys_with_versions.order_id = eligible.order_id
    )

),

ranked_versions as (

    select
        eligible.*,
        trim(eligible.order_id) as order_key,
        row_number() over (
            partition by trim(eligible.order_id)
            order by
                coalesce(eligible.updated_at, eligible.order_ts) desc,
                eligible._is_latest desc,
                eligible._loaded_at desc,
                eligible._source_file desc
        ) as version_rank

    from eligible
    where exists (
        select 1 from keys_with_versions where keys_with_versions.order_id = eligible.order_id
    )

),

versions as (

    select * from single_versions
    union all
    select * from ranked_versions where version_rank = 1

),

category_names as (

    {#- A handful of distinct spellings: normalise each once and join, instead of running the
        regular expression on every order (3-6 s of CPU at 10M orders). -#}
    select
        category,
        nullif({{ regexp_replace_all('trim(category)', '\\s+', ' ') }}, '') as category_name

    from (select distinct category from source) as distinct_categories

),

payment_method_names as (

    select
        payment_method,
        nullif(lower(trim(payment_method)), '') as payment_method_name

    from (select distinct payment_method from source) as distinct_payment_methods

),

final as (

    select
        -- ids
        versions.order_key as order_id,
        trim(versions.customer_id) as customer_id,

        -- dimensions
        versions.status as order_status,
        versions.status = 'completed' as is_completed,
        versions.status = 'refunded' as is_refunded,
        versions.status = 'cancelled' as is_cancelled,
        category_names.category_name as category,
        versions.channel,
        case
            when versions.channel in ('app', 'web', 'mini_program') then 'online'
            when versions.channel = 'store' then 'offline'
        end as channel_type,
        payment_method_names.payment_method_name as payment_method,

        -- amounts
        versions.amount,
        {# No discount recorded means none was given. #}
        coalesce(versions.discount_amount, 0) as discount_amount,
        versions.discount_amount is null as is_discount_missing,

        -- timestamps
        versions.order_ts as ordered_at,
        cast(versions.order_ts as date) as order_date,
        versions.updated_at,

        -- metadata
        versions._invalid_fields as invalid_fields,
        versions._source_file as source_file,
        versions._loaded_at as loaded_at

    from versions
    left join category_names
        on versions.category = category_names.category
    left join payment_method_names
        on versions.payment_method = payment_method_names.payment_method

)

select * from final
