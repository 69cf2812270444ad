-- What the order stage needs of each buying customer, with where its active span [a_s, b_s] sits
-- on the cumulative seasonal weight.
create or replace table cust_o as
select
    c.cid, c.n_orders, c.reg_s, c.a_s, c.b_s, c.churn_s, c.first_delay_s, c.is_ent, c.amount_mu,
    c.price_sens, c.ch1, c.ch2, c.cat1, c.cat2, c.pay,
    ha.cum_before as cum_a, hb.cum_before + hb.weight as cum_b
from cust c
join hours ha on ha.h = (c.a_s - $start_s) // 3600
join hours hb on hb.h = (c.b_s - $start_s) // 3600
where c.n_orders > 0;

-- One row per order (final version), stored in time order: seq = rowid + 1 numbers the orders.
-- The k-th order of customer cid has the internal id oid = cid * 1024 + k; salts 1-39 of u()/z()
-- are used here, on oid. The first order of a customer registered inside the window follows
-- registration by a few days; every other order falls at a seasonal moment of the customer's
-- active span (inverse CDF of the hourly weights, via an ASOF join on their integer running sum).
create or replace table ord as
with exploded as (
    select *, cid * 1024 + k as oid
    from (select *, unnest(range(n_orders)) as k from cust_o)
),
targets as (
    select *, cum_a + floor(u(oid, 1) * (cum_b - cum_a))::bigint as target from exploded
),
timed as (
    select
        t.*, h.promo,
        greatest(t.a_s + 60, least(t.b_s, $end_s - 120,
            case when t.k = 0 and t.reg_s >= $start_s then t.a_s + t.first_delay_s
                 else $start_s + h.h * 3600 + floor(u(t.oid, 2) * 3600)::bigint end
        )) as ts_s
    from targets t asof join hours h on t.target >= h.cum_before
    -- a first order that would come after the end (or the churn) has not happened (yet)
    where not (t.k = 0 and t.reg_s >= $start_s and t.a_s + t.first_delay_s > least(t.b_s, $end_s - 120))
),
described as (
    select
        *,
        case when u(oid, 3) < $refund_share then 'refunded'
             when u(oid, 3) < $refund_share + $cancel_share then 'cancelled'
             else 'completed' end as status,
        case when u(oid, 4) < 0.6 then cat1
             when u(oid, 4) < 0.8 then cat2
             when is_ent then pick($category_ent, oid, 5)
             else pick($category_ind, oid, 5) end as cat,
        case when u(oid, 6) < 0.72 then ch1
             when u(oid, 6) < 0.88 then ch2
             else 1 + floor(u(oid, 7) * 4)::integer end as ch,
        greatest(1.0, exp(amount_mu + 0.5 * z(oid, 9))) as base_price,
        u(oid, 11) < 0.04 + 0.5 * price_sens + case when promo then 0.15 else 0 end as discounted
    from timed
),
priced as (
    select
        *,
        round(base_price * $category_price[cat], 2) as gross,
        case
            when ch = 4 and is_ent then pick($store_payment_ent, oid, 8)
            when ch = 4 then pick($store_payment_ind, oid, 8)
            when u(oid, 10) < 0.8 then pay
            when is_ent then pick($payment_ent, oid, 12)
            else pick($payment_ind, oid, 12)
        end as pay_idx
    from described
),
final as (
    select
        *,
        case when discounted then round(gross * (0.05 + 0.25 * u(oid, 13)), 2) else 0 end as discount
    from priced
)
select
    oid, cid, ts_s, status, cat, ch,
    (gross - discount)::decimal(18, 2) as amount,
    discount::decimal(18, 2) as discount_amount,
    pay_idx,
    least($end_s, ts_s + case status
        when 'refunded' then 86400 + floor(u(oid, 14) * 29 * 86400)::bigint
        when 'cancelled' then 300 + floor(u(oid, 14) * 86400)::bigint
        else 600 + floor(u(oid, 14) * 5 * 86400)::bigint
    end) as updated_s,
    churn_s is not null and churn_s - ts_s < 120 * 86400 as near_churn
from final
order by ts_s, oid;
