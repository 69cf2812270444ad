-- One row per customer of the view `clv_summary` (columns of pipelines/value/summary.py).
-- p_alive (FHL 2005 eq. 11) and the Gamma-Gamma expected spend are plain SQL. The BG/NBD expectation
-- needs the Gauss hypergeometric function, which DuckDB lacks: clv_orders_if_alive and
-- clv_discounted_orders_if_alive are vectorised Python UDFs (scipy.special.hyp2f1 over Arrow
-- batches) registered by pipelines.value.sql.register_clv_functions.
with summary as (
    select * from clv_summary
),

scored as (
    select
        customer_id,
        frequency,
        age_days,
        case
            when frequency = 0 then 1.0
            else 1.0 / (
                1.0 + exp(
                    ln($a) - ln($b + frequency - 1)
                    + ($r + frequency) * (ln($alpha + age_days) - ln($alpha + recency_days))
                )
            )
        end as p_alive,
        -- Weighted mean of the population's and the customer's own spend per order (x = 0: population).
        $p * ($v + frequency * case when frequency > 0 then greatest(coalesce(monetary_value, 0), 0) else 0 end)
        / ($p * frequency + $q - 1) as expected_spend_per_order
    from summary
),

final as (
    select
        customer_id,
        p_alive,
        p_alive * clv_orders_if_alive($horizon_days, frequency, age_days) as expected_orders_90d,
        expected_spend_per_order,
        $margin * expected_spend_per_order * p_alive
        * clv_discounted_orders_if_alive(frequency, age_days) as predicted_clv_12m
    from scored
)

select * from final
