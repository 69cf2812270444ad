{#-
    One row per metric and score in use: the value range of each RFM score in this snapshot.

    quantile mode (default): recalibrated from this snapshot. The distribution of a metric is that of
    the customers with activity (recency: a completed order on or before D; frequency and monetary:
    a completed order in W). Equal values form a tie group; a group's score is set by the mid-point
    of its share of the ranking, score = 1 + floor(5 * (below + tied / 2) / customers), so equal
    values get equal scores, a better value never a lower score, and row order cannot matter (unlike
    ntile). One customer or all-equal values sit in the middle (3). lower_bound / upper_bound are the
    smallest / largest value seen with the score.
    fixed mode: the cut points of the config; bounds are inclusive, null = unbounded.
    Customers outside a distribution get settings.no_activity_score (int_customers_rfm_scored).
-#}

with

features as (

    select * from {{ ref('int_customers_features') }}

),

settings as (

    select * from {{ ref('stg_config__settings') }}

),

fixed_cut_points as (

    select * from {{ ref('stg_config__rfm_fixed_cut_points') }}

),

metric_values as (

    {# ranking_value: higher is better for every metric (recency is negated). #}
    select
        'recency_days' as metric,
        cast(recency_days as decimal(18, 2)) as metric_value,
        -1 * cast(recency_days as decimal(18, 2)) as ranking_value
    from features
    where recency_days is not null

    union all

    select
        'frequency' as metric,
        cast(frequency as decimal(18, 2)) as metric_value,
        cast(frequency as decimal(18, 2)) as ranking_value
    from features
    where frequency > 0

    union all

    select
        'monetary' as metric,
        {#- the M score's input: monetary unless the config caps or excludes outliers #}
        cast(monetary_for_scoring as decimal(18, 2)) as metric_value,
        cast(monetary_for_scoring as decimal(18, 2)) as ranking_value
    from features
    where frequency > 0

),

tie_groups as (

    select
        metric,
        metric_value,
        ranking_value,
        count(*) as customers

    from metric_values
    group by metric, metric_value, ranking_value

),

ranked_groups as (

    select
        metric,
        metric_value,
        customers,
        coalesce(sum(customers) over (
            partition by metric
            order by ranking_value
            rows between unbounded preceding and 1 preceding
        ), 0) as customers_below,
        sum(customers) over (partition by metric) as customers_total

    from tie_groups

),

quantile_scores as (

    select
        metric,
        metric_value,
        customers,
        least(5, 1 + cast(floor(
            5.0 * (2 * customers_below + customers) / (2 * customers_total)
        ) as integer)) as score

    from ranked_groups

),

quantile_cut_points as (

    select
        metric,
        score,
        min(metric_value) as lower_bound,
        max(metric_value) as upper_bound

    from quantile_scores
    group by metric, score

),

fixed_scores as (

    {# score 1 is implicit: every value below (above, for recency) the configured bounds. #}
    select metric, score, bound from fixed_cut_points

    union all

    select distinct metric, 1 as score, cast(null as decimal(18, 2)) as bound from fixed_cut_points

),

fixed_neighbours as (

    select
        metric,
        score,
        bound,
        {# the bound of the next better score; values are integers (days, orders) or cents #}
        lead(bound) over (partition by metric order by score) as better_bound,
        case when metric = 'monetary' then 0.01 else 1 end as value_step,
        max(bound) over (partition by metric) as highest_bound,
        min(bound) over (partition by metric) as lowest_bound

    from fixed_scores

),

fixed_cut_point_ranges as (

    select
        metric,
        score,
        case
            when metric = 'recency_days' and score = 1 then highest_bound + value_step
            when metric = 'recency_days' then better_bound + value_step
            else bound
        end as lower_bound,
        case
            when metric = 'recency_days' then bound
            when score = 1 then lowest_bound - value_step
            else better_bound - value_step
        end as upper_bound

    from fixed_neighbours

),

chosen as (

    select quantile_cut_points.*, 'quantile' as scoring_mode
    from quantile_cut_points
    cross join settings
    where settings.scoring_mode = 'quantile'

    union all

    select fixed_cut_point_ranges.*, 'fixed' as scoring_mode
    from fixed_cut_point_ranges
    cross join settings
    where settings.scoring_mode = 'fixed'

),

final as (

    select
        {{ as_of_date() }} as snapshot_date,
        metric,
        score,
        cast(lower_bound as decimal(18, 2)) as lower_bound,
        cast(upper_bound as decimal(18, 2)) as upper_bound,
        scoring_mode

    from chosen

)

select * from final
