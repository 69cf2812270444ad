-- Customers per bin of recency_days, frequency and monetary in one snapshot: a few dozen rows
-- whatever the number of customers. Each metric counts the customers that have a value (recency:
-- a completed order ever; frequency and monetary: above 0 in the window). Bins are equal-width from
-- the minimum to the 99th percentile (whole units for the integer metrics); the last bin also holds
-- everything above it, so one extreme spender does not squeeze the chart (`width` is the bin width
-- drawn; the last bin's true range runs to the maximum).
with

snapshot as (

    select
        cast(recency_days as double) as recency_days,
        cast(nullif(frequency, 0) as double) as frequency,
        cast(nullif(monetary, 0) as double) as monetary,
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

widths as (

    select
        metric,
        low,
        high,
        case
            when metric = 'monetary' then greatest((p99 - low) / $bins, 0.01)
            else greatest(ceil((p99 - low) / $bins), 1)
        end as width,
    from bounds

),

binned as (

    select
        long.metric,
        cast(least(floor((long.metric_value - widths.low) / widths.width), $bins - 1) as integer) as bin,
        count(*) as customers,
    from long
    inner join widths on long.metric = widths.metric
    group by all

)

select
    binned.metric,
    binned.bin,
    widths.low + binned.bin * widths.width as lower_bound,
    case
        when binned.bin = $bins - 1 then greatest(widths.high, widths.low + $bins * widths.width)
        else widths.low + (binned.bin + 1) * widths.width
    end as upper_bound,
    widths.width,
    binned.customers,
from binned
inner join widths on binned.metric = widths.metric
order by binned.metric, binned.bin
