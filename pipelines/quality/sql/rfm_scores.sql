-- One row per metric and score (at most 3 x 5 rows when healthy): customers, and for the customers
-- inside the metric's distribution (recency: a completed order; F and M: one in W) the range of
-- values. `ranking_*` orient every metric so that higher is better (recency negated);
-- `best_ranking_below` is the best value among all lower scores, which must stay strictly below
-- the worst value of the score (monotonic, ties never split across scores).
with

customers as (

    select * from intermediate.int_customers_rfm_scored

),

metric_scores as (

    select 'recency_days' as metric, r_score as score, 1.0 * recency_days as metric_value,
        -1.0 * recency_days as ranking_value, recency_days is not null as in_distribution
    from customers
    union all
    select 'frequency', f_score, 1.0 * frequency, 1.0 * frequency, coalesce(frequency > 0, false)
    from customers
    union all
    select 'monetary', m_score, 1.0 * monetary_for_scoring, 1.0 * monetary_for_scoring,
        coalesce(frequency > 0, false)
    from customers

),

per_score as (

    select
        metric,
        score,
        count(*) as customers,
        count(*) filter (where in_distribution) as scored_customers,
        min(metric_value) filter (where in_distribution) as min_value,
        max(metric_value) filter (where in_distribution) as max_value,
        min(ranking_value) filter (where in_distribution) as worst_ranking,
        max(ranking_value) filter (where in_distribution) as best_ranking

    from metric_scores
    group by metric, score

)

select
    metric,
    score,
    customers,
    scored_customers,
    min_value,
    max_value,
    worst_ranking,
    max(best_ranking) over (
        partition by metric order by score rows between unbounded preceding and 1 preceding
    ) as best_ranking_below

from per_score
order by metric, score
limit 1000
