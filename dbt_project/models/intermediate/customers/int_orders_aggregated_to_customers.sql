{#-
    One row per customer with at least one order on or before D: the order features of the
    snapshot. W = the rfm_window_days days ending on D. Spend is the real amounts; only
    monetary_for_scoring (the M score's input) follows the outlier handling of the config.
-#}

with

orders as (

    select * from {{ ref('int_orders_outliers_flagged') }}

),

settings as (

    select * from {{ ref('stg_config__settings') }}

),

orders_with_periods as (

    select
        orders.*,
        orders.order_date > {{ dbt.dateadd('day', '-1 * settings.annual_spend_window_days', as_of_date()) }}
            as is_in_annual_window

    from orders
    cross join settings

),

totals as (

    select
        customer_id,

        -- lifetime, on or before D
        min(case when is_completed then order_date end) as first_order_date,
        max(case when is_completed then order_date end) as last_order_date,
        count(case when is_completed then 1 end) as lifetime_orders,
        sum(case when is_completed then amount end) as lifetime_spend,
        count(case when is_refunded then 1 end) as refunded_orders,
        count(case when is_cancelled then 1 end) as cancelled_orders,

        -- window W
        count(case when is_completed and is_in_window then 1 end) as frequency,
        sum(case when is_completed and is_in_window then amount end) as monetary,
        sum(case when is_completed and is_in_window then amount_for_scoring end) as monetary_for_scoring,
        count(case when is_completed and is_in_window and is_amount_outlier then 1 end)
            as outlier_orders,
        sum(case when is_completed and is_in_window and is_amount_outlier then amount end)
            as outlier_amount,
        count(case when is_completed and is_in_window and channel_type = 'online' then 1 end)
            as online_orders,
        count(case when is_completed and is_in_window and channel_type = 'offline' then 1 end)
            as offline_orders,
        sum(case when is_completed and is_in_window then discount_amount end) as discount_total,
        sum(case when is_completed and is_in_window then amount + discount_amount end) as gross_total,
        count(case when is_completed and is_in_window and discount_amount > 0 then 1 end)
            as discounted_orders,

        -- one year
        sum(case when is_completed and is_in_annual_window then amount end) as annual_spend,

        -- the calendar quarter ending on D (what segment_outcomes reads one snapshot later)
        count(case when is_completed and is_in_quarter then 1 end) as quarter_orders,
        sum(case when is_completed and is_in_quarter then amount end) as quarter_revenue

    from orders_with_periods
    group by customer_id

),

category_ranks as (

    select
        customer_id,
        category,
        row_number() over (
            partition by customer_id
            order by count(*) desc, sum(amount) desc, category asc
        ) as category_rank

    from orders
    where is_completed and is_in_window and category is not null
    group by customer_id, category

),

payment_ranks as (

    select
        customer_id,
        payment_method,
        row_number() over (
            partition by customer_id
            order by count(*) desc, sum(amount) desc, payment_method asc
        ) as payment_rank

    from orders
    where is_completed and is_in_window and payment_method is not null
    group by customer_id, payment_method

),

final as (

    select
        totals.customer_id,
        totals.first_order_date,
        totals.last_order_date,
        totals.lifetime_orders,
        coalesce(totals.lifetime_spend, 0) as lifetime_spend,
        totals.refunded_orders,
        totals.cancelled_orders,
        {{ divide_as_double(
            'totals.refunded_orders', 'nullif(totals.lifetime_orders + totals.refunded_orders, 0)'
        ) }} as refund_rate,
        totals.frequency,
        coalesce(totals.monetary, 0) as monetary,
        coalesce(totals.monetary_for_scoring, 0) as monetary_for_scoring,
        coalesce(totals.monetary, 0) / nullif(totals.frequency, 0) as avg_order_value,
        totals.outlier_orders,
        coalesce(totals.outlier_amount, 0) as outlier_amount,
        coalesce(totals.annual_spend, 0) as annual_spend,
        totals.quarter_orders,
        coalesce(totals.quarter_revenue, 0) as quarter_revenue,
        {{ divide_as_double(
            'totals.online_orders', 'nullif(totals.online_orders + totals.offline_orders, 0)'
        ) }} as online_order_share,
        {{ divide_as_double(
            'totals.offline_orders', 'nullif(totals.online_orders + totals.offline_orders, 0)'
        ) }} as offline_order_share,
        {{ divide_as_double('totals.discount_total', 'nullif(totals.gross_total, 0)') }} as discount_share,
        {{ divide_as_double('totals.discounted_orders', 'nullif(totals.frequency, 0)') }}
            as discounted_order_share,
        category_ranks.category as favourite_category,
        payment_ranks.payment_method as favourite_payment_method

    from totals
    left join category_ranks
        on totals.customer_id = category_ranks.customer_id
        and category_ranks.category_rank = 1
    left join payment_ranks
        on totals.customer_id = payment_ranks.customer_id
        and payment_ranks.payment_rank = 1

)

select * from final
