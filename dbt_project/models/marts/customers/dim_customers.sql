{#- One row per customer registered on or before D: the snapshot's features, scores and segments. -#}

with

customers as (

    select * from {{ ref('int_customers_segmented') }}

),

tags as (

    {#- The materialised tag table, not the view it projects: the view would compute every
        attribute's rules and labels a second time to give four attributes here. -#}
    select * from {{ ref('fct_customer_tags') }}

),

settings as (

    select * from {{ ref('stg_config__settings') }}

),

tag_columns as (

    {# the tag attributes the config shows as columns (segment_columns) #}
    select
        tags.customer_id,
        max(case when tags.tag_name = settings.value_tier_attribute then tags.tag_value end) as value_tier,
        max(case when tags.tag_name = settings.lifecycle_stage_attribute then tags.tag_value end)
            as lifecycle_stage,
        max(case when tags.tag_name = settings.churn_risk_attribute then tags.tag_value end) as churn_risk,
        max(case when tags.tag_name = settings.complaint_risk_attribute then tags.tag_value end)
            as complaint_risk

    from tags
    inner join settings
        on tags.tag_name in (
            settings.value_tier_attribute,
            settings.lifecycle_stage_attribute,
            settings.churn_risk_attribute,
            settings.complaint_risk_attribute
        )
    group by tags.customer_id

),

final as (

    select
        customers.snapshot_date,

        -- customer
        customers.customer_id,
        customers.customer_type,
        customers.gender,
        customers.age_years,
        customers.city,
        customers.city_tier,
        customers.city_tier_source,
        customers.occupation,
        customers.income_band,
        customers.industry,
        customers.employee_count,
        customers.member_level,
        customers.registered_date,
        customers.attributes_known_at_as_of,
        customers.tenure_days,
        customers.has_valid_email,
        customers.has_valid_phone,

        -- purchases
        customers.first_order_date,
        customers.last_order_date,
        customers.recency_days,
        customers.frequency,
        customers.monetary,
        customers.avg_order_value,
        customers.annual_spend,
        customers.quarter_orders,
        customers.quarter_revenue,
        customers.lifetime_orders,
        customers.lifetime_spend,
        customers.refund_rate,
        customers.outlier_orders,
        customers.outlier_amount,
        customers.monetary_for_scoring,
        customers.favourite_category,
        customers.favourite_payment_method,
        customers.online_order_share,
        customers.discount_share,

        -- service and interaction
        customers.complaints_365d,
        customers.satisfaction_mean,
        customers.app_sessions_30d,
        customers.ad_click_rate,

        -- predicted value (pipelines/value; null without a completed order)
        customers.p_alive,
        customers.expected_orders_90d,
        customers.predicted_clv_12m,

        -- rfm
        customers.r_score,
        customers.f_score,
        customers.m_score,
        customers.r_percentile,
        customers.f_percentile,
        customers.m_percentile,
        customers.rfm_cell,
        customers.rfm_segment,
        {{ display_label('customers.rfm_segment_label') }} as rfm_segment_label,
        customers.rfm_segment_label_zh,
        customers.rfm_segment_label_en,

        -- segments
        customers.segment,
        {{ display_label('customers.segment_label') }} as segment_label,
        customers.segment_label_zh,
        customers.segment_label_en,
        customers.value_potential_quadrant,
        {{ display_label('customers.value_potential_label') }} as value_potential_label,
        customers.value_potential_label_zh,
        customers.value_potential_label_en,
        tag_columns.value_tier,
        tag_columns.lifecycle_stage,
        tag_columns.churn_risk,
        tag_columns.complaint_risk,
        {{ display_label('customers.strategy') }} as strategy,
        customers.strategy_zh,
        customers.strategy_en

    from customers
    cross join settings
    left join tag_columns
        on customers.customer_id = tag_columns.customer_id

)

select * from final
