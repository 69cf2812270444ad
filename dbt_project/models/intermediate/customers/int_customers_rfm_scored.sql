{#-
    One row per customer registered on or before D: the features plus R/F/M scores (by comparing each
    value to the snapshot's cut points), the RFM cell and the 8-class RFM segment.
    Segment and tag rules of the config run on this model's columns (its YAML lists them).
-#}

with

features as (

    select * from {{ ref('int_customers_features') }}

),

cut_points as (

    select * from {{ ref('int_rfm_cut_points') }}

),

settings as (

    select * from {{ ref('stg_config__settings') }}

),

rfm_segments as (

    select * from {{ ref('stg_config__rfm_segments') }}

),

{#- Per metric, the best score whose range admits the value: recency admits values up to
    upper_bound (fewer days is better), frequency and monetary from lower_bound. Customers without
    a value (no completed order) get no row and score settings.no_activity_score below. The M score
    compares monetary_for_scoring (monetary unless the config caps or excludes outliers). -#}
{%- set metrics = [
    ('recency', 'recency_days', 'recency_days', 'upper_bound', '<=', 'features.recency_days is not null'),
    ('frequency', 'frequency', 'frequency', 'lower_bound', '>=', 'features.frequency > 0'),
    ('monetary', 'monetary', 'monetary_for_scoring', 'lower_bound', '>=', 'features.frequency > 0'),
] %}
{%- for name, metric, column, bound, admits, has_value in metrics %}

{{ name }}_scores as (

    select
        features.customer_id,
        max(cut_points.score) as score

    from features
    inner join cut_points
        on cut_points.metric = '{{ metric }}'
        and (cut_points.{{ bound }} is null or features.{{ column }} {{ admits }} cut_points.{{ bound }})
    where {{ has_value }}
    group by features.customer_id

),
{%- endfor %}

percentile_values as (

    {#- The 0-100 percentiles rank the same distributions as the scores (int_rfm_cut_points), with
        ranking_value higher = better (recency negated). -#}
    select
        customer_id,
        'recency' as metric,
        -1 * cast(recency_days as decimal(18, 2)) as ranking_value
    from features
    where recency_days is not null

    union all

    select
        customer_id,
        'frequency' as metric,
        cast(frequency as decimal(18, 2)) as ranking_value
    from features
    where frequency > 0

    union all

    select
        customer_id,
        'monetary' as metric,
        cast(monetary_for_scoring as decimal(18, 2)) as ranking_value
    from features
    where frequency > 0

),

percentile_ranks as (

    select
        customer_id,
        metric,
        rank() over (partition by metric order by ranking_value) - 1 as customers_below,
        count(*) over (partition by metric, ranking_value) as customers_tied,
        count(*) over (partition by metric) as customers_total

    from percentile_values

),

percentiles as (

    {#- The mid-point of the customer's tie group in the ranking, the quantity the quantile scores
        are cut from (score = 1 + floor(5 * mid)), as 0-100 truncated to one decimal: so a quantile
        score is always 1 + floor(percentile / 20), and tied values share a percentile. -#}
    select
        customer_id,
        {%- for name in ['recency', 'frequency', 'monetary'] %}
        max(case when metric = '{{ name }}' then floor(
            {{ divide_as_double('1000 * (2 * customers_below + customers_tied)', '(2 * customers_total)') }}
        ) / 10 end) as {{ name[0] }}_percentile{{ ',' if not loop.last }}
        {%- endfor %}

    from percentile_ranks
    group by customer_id

),

scored as (

    select
        features.*,
        coalesce(recency_scores.score, settings.no_activity_score) as r_score,
        coalesce(frequency_scores.score, settings.no_activity_score) as f_score,
        coalesce(monetary_scores.score, settings.no_activity_score) as m_score,
        {#- outside a distribution: the bottom of the no_activity_score band (0 for score 1) #}
        coalesce(percentiles.r_percentile, 20 * (settings.no_activity_score - 1)) as r_percentile,
        coalesce(percentiles.f_percentile, 20 * (settings.no_activity_score - 1)) as f_percentile,
        coalesce(percentiles.m_percentile, 20 * (settings.no_activity_score - 1)) as m_percentile,
        settings.rfm_high_rule,
        settings.rfm_high_min_score

    from features
    cross join settings
    left join recency_scores
        on features.customer_id = recency_scores.customer_id
    left join frequency_scores
        on features.customer_id = frequency_scores.customer_id
    left join monetary_scores
        on features.customer_id = monetary_scores.customer_id
    left join percentiles
        on features.customer_id = percentiles.customer_id

),

score_means as (

    {# for high_rule above_mean: the mean scores of the customers with a completed order #}
    select
        avg(r_score) as mean_r_score,
        avg(f_score) as mean_f_score,
        avg(m_score) as mean_m_score

    from scored
    where recency_days is not null

),

high_low as (

    select
        scored.*,
        scored.recency_days is not null and case
            when scored.rfm_high_rule = 'above_mean' then scored.r_score > score_means.mean_r_score
            else scored.r_score >= scored.rfm_high_min_score
        end as is_recency_high,
        scored.recency_days is not null and case
            when scored.rfm_high_rule = 'above_mean' then scored.f_score > score_means.mean_f_score
            else scored.f_score >= scored.rfm_high_min_score
        end as is_frequency_high,
        scored.recency_days is not null and case
            when scored.rfm_high_rule = 'above_mean' then scored.m_score > score_means.mean_m_score
            else scored.m_score >= scored.rfm_high_min_score
        end as is_monetary_high

    from scored
    cross join score_means

),

final as (

    select
        cast(high_low.snapshot_date as date) as snapshot_date,

        -- customer
        cast(high_low.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(high_low.customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(high_low.is_customer_type_inferred as boolean) as is_customer_type_inferred,
        cast(high_low.gender as {{ dbt.type_string() }}) as gender,
        cast(high_low.age_years as integer) as age_years,
        cast(high_low.city as {{ dbt.type_string() }}) as city,
        cast(high_low.city_tier as integer) as city_tier,
        cast(high_low.city_tier_source as {{ dbt.type_string() }}) as city_tier_source,
        cast(high_low.occupation as {{ dbt.type_string() }}) as occupation,
        cast(high_low.income_band as {{ dbt.type_string() }}) as income_band,
        cast(high_low.industry as {{ dbt.type_string() }}) as industry,
        cast(high_low.employee_count as integer) as employee_count,
        cast(high_low.registered_capital as decimal(18, 2)) as registered_capital,
        cast(high_low.company_age_years as integer) as company_age_years,
        cast(high_low.member_level as {{ dbt.type_string() }}) as member_level,
        cast(high_low.has_valid_email as boolean) as has_valid_email,
        cast(high_low.has_valid_phone as boolean) as has_valid_phone,
        cast(high_low.is_email_invalid as boolean) as is_email_invalid,
        cast(high_low.is_phone_invalid as boolean) as is_phone_invalid,
        cast(high_low.attributes_known_at_as_of as boolean) as attributes_known_at_as_of,
        cast(high_low.registered_date as date) as registered_date,
        cast(high_low.tenure_days as integer) as tenure_days,

        -- interaction
        cast(high_low.app_sessions_30d as integer) as app_sessions_30d,
        cast(high_low.ad_impressions_90d as integer) as ad_impressions_90d,
        cast(high_low.ad_clicks_90d as integer) as ad_clicks_90d,
        cast(high_low.ad_click_rate as double) as ad_click_rate,

        -- purchases
        cast(high_low.first_order_date as date) as first_order_date,
        cast(high_low.last_order_date as date) as last_order_date,
        cast(high_low.recency_days as integer) as recency_days,
        cast(high_low.frequency as integer) as frequency,
        cast(high_low.monetary as decimal(18, 2)) as monetary,
        cast(high_low.monetary_for_scoring as decimal(18, 2)) as monetary_for_scoring,
        cast(high_low.avg_order_value as decimal(18, 2)) as avg_order_value,
        cast(high_low.orders_per_month as double) as orders_per_month,
        cast(high_low.annual_spend as decimal(18, 2)) as annual_spend,
        cast(high_low.quarter_orders as integer) as quarter_orders,
        cast(high_low.quarter_revenue as decimal(18, 2)) as quarter_revenue,
        cast(high_low.lifetime_orders as integer) as lifetime_orders,
        cast(high_low.lifetime_spend as decimal(18, 2)) as lifetime_spend,
        cast(high_low.refunded_orders as integer) as refunded_orders,
        cast(high_low.cancelled_orders as integer) as cancelled_orders,
        cast(high_low.refund_rate as double) as refund_rate,
        cast(high_low.outlier_orders as integer) as outlier_orders,
        cast(high_low.outlier_amount as decimal(18, 2)) as outlier_amount,
        cast(high_low.favourite_category as {{ dbt.type_string() }}) as favourite_category,
        cast(high_low.online_order_share as double) as online_order_share,
        cast(high_low.offline_order_share as double) as offline_order_share,
        cast(high_low.favourite_payment_method as {{ dbt.type_string() }}) as favourite_payment_method,
        cast(high_low.discount_share as double) as discount_share,
        cast(high_low.discounted_order_share as double) as discounted_order_share,

        -- service
        cast(high_low.inquiry_tickets as integer) as inquiry_tickets,
        cast(high_low.complaint_tickets as integer) as complaint_tickets,
        cast(high_low.suggestion_tickets as integer) as suggestion_tickets,
        cast(high_low.after_sales_tickets as integer) as after_sales_tickets,
        cast(high_low.complaints_365d as integer) as complaints_365d,
        cast(high_low.satisfaction_mean as double) as satisfaction_mean,

        -- predicted value
        cast(high_low.p_alive as double) as p_alive,
        cast(high_low.expected_orders_90d as double) as expected_orders_90d,
        cast(high_low.predicted_clv_12m as double) as predicted_clv_12m,

        -- rfm
        cast(high_low.r_score as integer) as r_score,
        cast(high_low.f_score as integer) as f_score,
        cast(high_low.m_score as integer) as m_score,
        cast(high_low.r_percentile as double) as r_percentile,
        cast(high_low.f_percentile as double) as f_percentile,
        cast(high_low.m_percentile as double) as m_percentile,
        cast({{ dbt.concat([
            dbt.cast('high_low.r_score', dbt.type_string()),
            dbt.cast('high_low.f_score', dbt.type_string()),
            dbt.cast('high_low.m_score', dbt.type_string()),
        ]) }} as {{ dbt.type_string() }}) as rfm_cell,
        cast(high_low.is_recency_high as boolean) as is_recency_high,
        cast(high_low.is_frequency_high as boolean) as is_frequency_high,
        cast(high_low.is_monetary_high as boolean) as is_monetary_high,
        cast(rfm_segments.rfm_segment as {{ dbt.type_string() }}) as rfm_segment

    from high_low
    left join rfm_segments
        on high_low.is_recency_high = rfm_segments.is_recency_high
        and high_low.is_frequency_high = rfm_segments.is_frequency_high
        and high_low.is_monetary_high = rfm_segments.is_monetary_high

)

select * from final
