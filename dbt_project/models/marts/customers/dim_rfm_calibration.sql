{#- One row per metric and score in use: the cut points of the snapshot's RFM scores. -#}

with

cut_points as (

    select * from {{ ref('int_rfm_cut_points') }}

),

customers as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

score_counts as (

    {# customers inside each metric's distribution, by score #}
    select 'recency_days' as metric, r_score as score, count(*) as customers
    from customers where recency_days is not null group by r_score
    union all
    select 'frequency' as metric, f_score as score, count(*) as customers
    from customers where frequency > 0 group by f_score
    union all
    select 'monetary' as metric, m_score as score, count(*) as customers
    from customers where frequency > 0 group by m_score

),

final as (

    select
        cut_points.snapshot_date,
        cut_points.metric,
        cut_points.score,
        cut_points.lower_bound,
        cut_points.upper_bound,
        cut_points.scoring_mode,
        cast(coalesce(score_counts.customers, 0) as integer) as customers

    from cut_points
    left join score_counts
        on cut_points.metric = score_counts.metric
        and cut_points.score = score_counts.score

)

select * from final
