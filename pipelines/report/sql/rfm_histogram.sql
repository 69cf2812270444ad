-- Customers per bin of recency_days, frequency and monetary in one snapshot: a few dozen rows
-- whatever the number of customers. Each metric counts the customers that have a value (recency:
-- a completed order ever; frequency and monetary: above 0 in the window).
-- Recency and frequency: equal-width bins from the minimum to the 99th percentile (whole units);
-- monetary: bins of equal width on a log scale from the minimum to the maximum, since spend is
-- heavy-tailed (equal-width bins put every quintile cut point into the first two bins). The bins'
-- edges are computed first and values compared with them, so that a bin holds exactly the values
-- in [lower_bound, upper_bound); the last bin also holds everything above it (`upper_bound` is
-- then the maximum).
with

snapshot as (

    select
        cast(recency_days as double) as recency_days,
        cast(case when frequency > 0 then frequency end as double) as frequency,
        cast(case when monetary > 0 then monetary end as double) as monetary,
    from segment_history
    where snapshot_date = $snapshot

),

long as (

    unpivot snapshot on recency_days, frequency, monetary into name metric value metric_value

),

bounds as (

    select
        metric,
        min(metric_value) as low,
        max(metric_value) as high,
        approx_quantile(metric_value, 0.99) as p99,
    from long
    group by metric

),

edges as (

    select
        metric,
        bin,
        case
            when metric = 'monetary' then low * pow(high / low, bin / $bins)
            else low + bin * greatest(ceil((p99 - low) / $bins), 1)
        end as lower_bound,
        case
            when bin = $bins - 1 then high
            when metric = 'monetary' then low * pow(high / low, (bin + 1) / $bins)
            else low + (bin + 1) * greatest(ceil((p99 - low) / $bins), 1)
        end as upper_bound,
        bin = $bins - 1 as is_last,
    from bounds, range($bins) as bins(bin)

),

binned as (

    select
        edges.metric,
        edges.bin,
        count(*) as customers,
    from long
    inner join edges
        on long.metric = edges.metric
        and long.metric_value >= edges.lower_bound
        and (long.metric_value < edges.upper_bound or edges.is_last)
    group by all

)

select
    edges.metric,
    edges.bin,
    edges.lower_bound,
    -- the last bin is drawn as wide as the others; its true range runs to the maximum
    greatest(edges.upper_bound, edges.lower_bound) as upper_bound,
    binned.customers,
from binned
inner join edges on binned.metric = edges.metric and binned.bin = edges.bin
order by edges.metric, edges.bin
