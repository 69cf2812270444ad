-- Whole-table profile of the customer features (one row): counts of broken rows, computed in
-- DuckDB so that GX only sees the aggregate.
select
    count(*) as customers,
    count(*) - count(customer_id) as null_customer_ids,
    count(customer_id) - count(distinct customer_id) as duplicate_customer_ids,
    count(*) filter (where frequency is null or monetary is null) as missing_frequency_or_monetary,
    count(*) filter (where frequency < 0 or lifetime_orders < 0) as negative_order_counts,
    count(*) filter (where monetary < 0 or annual_spend < 0 or lifetime_spend < 0) as negative_spend,
    count(*) filter (where recency_days < 0 or tenure_days < 0) as negative_day_counts,
    count(*) filter (
        where refund_rate not between 0 and 1
            or online_order_share not between 0 and 1
            or discount_share not between 0 and 1
            or ad_click_rate not between 0 and 1
    ) as rates_out_of_range,
    count(*) filter (where frequency > 0 and recency_days is null) as buyers_without_recency,
    avg(monetary)::double as mean_monetary,
    avg(frequency)::double as mean_frequency

from intermediate.int_customers_features
