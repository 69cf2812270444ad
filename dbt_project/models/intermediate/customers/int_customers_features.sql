{#-
    One row per customer registered on or before D: everything the scores, segments and tags use.
    Customers without orders or tickets are here too (counts 0, spend 0, dates and rates null).
    The predicted value (source value.customer_value, fitted by pipelines/value on this snapshot's
    cleaned orders) is a feature too, so that segment and tag rules can use p_alive.
-#}

with

customers as (

    select * from {{ ref('int_customers_cleaned') }}

),

orders as (

    select * from {{ ref('int_orders_aggregated_to_customers') }}

),

tickets as (

    select * from {{ ref('int_tickets_aggregated_to_customers') }}

),

predicted_value as (
    select * from {{ source('value', 'customer_value') }}
    where snapshot_date = {{ as_of_date() }}
),
settings as (

    select * from {{ ref('stg_config__settings') }}

),

final as (

    select
        {{ as_of_date() }} as snapshot_date,

        -- customer
        customers.customer_id,
        customers.customer_type,
        customers.is_customer_type_inferred,
        customers.gender,
        customers.age_years,
        customers.city,
        customers.city_tier,
        customers.city_tier_source,
        customers.occupation,
        customers.income_band,
        customers.industry,
        customers.employee_count,
        customers.registered_capital,
        customers.company_age_years,
        customers.member_level,
        customers.has_valid_email,
        customers.has_valid_phone,
        customers.is_email_invalid,
        customers.is_phone_invalid,
        customers.attributes_known_at_as_of,
        customers.registered_date,
        customers.tenure_days,

        -- interaction
        customers.app_sessions_30d,
        customers.ad_impressions_90d,
        customers.ad_clicks_90d,
        {{ divide_as_double('customers.ad_clicks_90d', 'nullif(customers.ad_impressions_90d, 0)') }}
            as ad_click_rate,

        -- purchases
        orders.first_order_date,
        orders.last_order_date,
        {{ dbt.datediff('orders.last_order_date', as_of_date(), 'day') }} as recency_days,
        coalesce(orders.frequency, 0) as frequency,
        coalesce(orders.monetary, 0) as monetary,
        coalesce(orders.monetary_for_scoring, 0) as monetary_for_scoring,
        orders.avg_order_value,
        {# a month is 365.25 / 12 days #}
        {{ divide_as_double('coalesce(orders.frequency, 0) * 30.4375', 'settings.rfm_window_days') }}
            as orders_per_month,
        coalesce(orders.annual_spend, 0) as annual_spend,
        coalesce(orders.quarter_orders, 0) as quarter_orders,
        coalesce(orders.quarter_revenue, 0) as quarter_revenue,
        coalesce(orders.lifetime_orders, 0) as lifetime_orders,
        coalesce(orders.lifetime_spend, 0) as lifetime_spend,
        coalesce(orders.refunded_orders, 0) as refunded_orders,
        coalesce(orders.cancelled_orders, 0) as cancelled_orders,
        orders.refund_rate,
        coalesce(orders.outlier_orders, 0) as outlier_orders,
        coalesce(orders.outlier_amount, 0) as outlier_amount,
        orders.favourite_category,
        orders.online_order_share,
        orders.offline_order_share,
        orders.favourite_payment_method,
        orders.discount_share,
        orders.discounted_order_share,

        -- service
        coalesce(tickets.inquiry_tickets, 0) as inquiry_tickets,
        coalesce(tickets.complaint_tickets, 0) as complaint_tickets,
        coalesce(tickets.suggestion_tickets, 0) as suggestion_tickets,
        coalesce(tickets.after_sales_tickets, 0) as after_sales_tickets,
        coalesce(tickets.complaints_365d, 0) as complaints_365d,
        tickets.satisfaction_mean,
        -- predicted value (null without a completed order, or when the fit was refused)
        predicted_value.p_alive,
        predicted_value.expected_orders_90d,
        predicted_value.predicted_clv_12m

    from customers
    cross join settings
    left join orders
        on customers.customer_id = orders.customer_id
    left join tickets
        on customers.customer_id = tickets.customer_id
    left join predicted_value
        on customers.customer_id = predicted_value.customer_id

)

select * from final
