{#-
    For each RFM metric, over the customers inside its distribution: equal values have equal scores,
    and a better value never has a lower score (lower recency_days is better; M is scored on
    monetary_for_scoring, the real monetary unless the config caps or excludes outliers). A failure
    means the scoring depends on row order (as ntile would) or the cut points overlap.
    Tested where the scores are computed (int_customers_rfm_scored, with the scores' range and
    not-null tests); the marts carry them unchanged.
-#}

with

customers as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

metric_scores as (

    select 'recency_days' as metric, -1.0 * recency_days as ranking_value, r_score as score
    from customers where recency_days is not null
    union all
    select 'frequency' as metric, 1.0 * frequency as ranking_value, f_score as score
    from customers where frequency > 0
    union all
    select 'monetary' as metric, 1.0 * monetary_for_scoring as ranking_value, m_score as score
    from customers where frequency > 0

),

per_value as (

    select
        metric,
        ranking_value,
        min(score) as min_score,
        max(score) as max_score

    from metric_scores
    group by metric, ranking_value

),

with_previous as (

    select
        per_value.*,
        lag(max_score) over (partition by metric order by ranking_value) as previous_max_score

    from per_value

)

select *
from with_previous
where min_score != max_score
    or min_score < previous_max_score
