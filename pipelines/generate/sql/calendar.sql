-- Hourly shopping weights over the window: one row per UTC hour h (0 = window start), integer
-- weights (so their running sum is exact) and the promotion flag of the Beijing-local day.
create or replace table hours as
with grid as (
    select h, make_timestamp(($start_s + h * 3600 + 28800) * 1000000) as local_ts
    from range(0, $n_hours) t(h)
),
days as (
    select
        h, local_ts::date as d, hour(local_ts) as hr,
        $cny[year(local_ts) - $cny_first_year + 1] - local_ts::date as to_go_this,
        $cny[year(local_ts) - $cny_first_year + 2] - local_ts::date as to_go_next
    from grid
),
factored as (
    select
        h, hr, month(d) as m,
        $month_factor[month(d)]
        * case when isodow(d) >= 6 then $weekend_factor else 1.0 end
        * coalesce($sale_boost[list_position($sale_days, strftime(d, '%m-%d'))], 1.0)
        * case
            when (case when to_go_this >= -6 then to_go_this else to_go_next end) between 8 and 21
                then $cny_shopping_factor
            when (case when to_go_this >= -6 then to_go_this else to_go_next end) between -6 and 3
                then $cny_holiday_factor
            else 1.0
        end as day_factor
    from days
),
weighted as (
    select h, round(1000 * day_factor * $hour_factor[hr + 1])::bigint as weight,
           list_contains($promo_months, m) or day_factor >= 2.0 as promo
    from factored
)
select
    h,
    coalesce(sum(weight) over (order by h rows between unbounded preceding and 1 preceding), 0)::bigint
        as cum_before,
    weight,
    promo
from weighted;
