with

source as (

    select * from {{ source('config', 'settings') }}

),

final as (

    select
        -- provenance
        config_source,
        config_sha256,
        display_language,

        -- windows (days)
        rfm_window_days,
        annual_spend_window_days,
        complaint_window_days,

        -- outliers
        outlier_method,
        outlier_iqr_multiplier,
        outlier_quantile,
        outlier_max_amount,
        outlier_min_orders,
        outlier_group_by_customer_type,
        outlier_handling,

        -- scoring
        scoring_mode,
        no_activity_score,
        rfm_high_rule,
        rfm_high_min_score,

        -- tag attributes shown as columns of dim_customers
        value_tier_attribute,
        lifecycle_stage_attribute,
        churn_risk_attribute,
        complaint_risk_attribute,

        -- tag coverage (warning test assert_tag_values_are_held)
        max_tag_value_share

    from source

)

select * from final
