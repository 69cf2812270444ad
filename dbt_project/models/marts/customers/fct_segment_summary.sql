{#- One row per business segment of the snapshot that has customers: size, revenue and mean RFM. -#}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

totals as (

    select
        count(*) as all_customers,
        sum(monetary) as all_revenue

    from customers

),

by_segment as (

    select
        snapshot_date,
        segment,
        segment_label,
        segment_label_zh,
        segment_label_en,
        count(*) as customers,
        sum(monetary) as revenue,
        avg(recency_days) as mean_recency_days,
        avg(frequency) as mean_frequency,
        {{ avg_as_double('monetary') }} as mean_monetary,
        avg(r_score) as mean_r_score,
        avg(f_score) as mean_f_score,
        avg(m_score) as mean_m_score

    from customers
    group by snapshot_date, segment, segment_label, segment_label_zh, segment_label_en

),

final as (

    select
        by_segment.snapshot_date,
        by_segment.segment,
        by_segment.segment_label,
        by_segment.segment_label_zh,
        by_segment.segment_label_en,
        cast(by_segment.customers as integer) as customers,
        cast({{ divide_as_double('by_segment.customers', 'totals.all_customers') }} as double)
            as customer_share,
        cast(by_segment.revenue as decimal(18, 2)) as revenue,
        cast({{ divide_as_double('by_segment.revenue', 'nullif(totals.all_revenue, 0)') }} as double)
            as revenue_share,
        cast(by_segment.mean_recency_days as double) as mean_recency_days,
        cast(by_segment.mean_frequency as double) as mean_frequency,
        cast(by_segment.mean_monetary as double) as mean_monetary,
        cast(by_segment.mean_r_score as double) as mean_r_score,
        cast(by_segment.mean_f_score as double) as mean_f_score,
        cast(by_segment.mean_m_score as double) as mean_m_score

    from by_segment
    cross join totals

)

select * from final
