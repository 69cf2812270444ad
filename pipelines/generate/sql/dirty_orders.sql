-- The orders file as delivered, in file order (insertion order of `out_orders`): clean orders
-- (final versions) in their text form, some with optional fields left empty; then earlier versions
-- of some orders (after the final ones: extraction must go by updated_at, not by file position);
-- then broken copies of clean orders with fresh order ids. Every dirty row has one defect, in _kind.
-- Salts 100-119, on the order's number _k1 (rowid + 1 of the time-ordered table `ord`).
create or replace table out_orders as
with formatted as (
    select
        rowid + 1 as _k1, ts_s, updated_s, ch = 4 as zoned, amount as paid, discount_amount as discount,
        'O' || lpad((rowid + 1)::varchar, $order_width, '0') as order_id,
        'C' || lpad(cid::varchar, $id_width, '0') as customer_id,
        ts_text(ts_s, ch = 4) as order_ts,
        amount, status,
        $categories[cat] as category,
        $channels[ch] as channel,
        $payment_methods[pay_idx] as payment_method,
        discount_amount,
        ts_text(updated_s, ch = 4) as updated_at,
        -- in-place defects are exclusive: one draw splits them
        case
            when u(rowid + 1, 100) < $order_versions then 'duplicate_version'
            when u(rowid + 1, 100) < $order_versions + $missing_optional then 'missing_optional'
        end as _mark,
        floor(u(rowid + 1, 101) * 4)::integer as _blank
    from ord
)
select
    * exclude (_mark, _blank) replace (
        case when _mark = 'missing_optional' and _blank = 0 then null else category end as category,
        case when _mark = 'missing_optional' and _blank = 1 then null else channel end as channel,
        case when _mark = 'missing_optional' and _blank = 2 then null else payment_method end
            as payment_method,
        case when _mark = 'missing_optional' and _blank = 3 then null else discount_amount end
            as discount_amount
    ),
    case when _mark = 'missing_optional' then _mark end as _kind,
    _mark = 'duplicate_version' as _has_earlier
from formatted;

-- the version recorded when the order was placed: completed, before any refund or cancellation;
-- for orders that stayed completed, before the coupon was applied
insert into out_orders by name
select
    * exclude (_kind, _has_earlier) replace (
        'completed' as status,
        order_ts as updated_at,
        case when status = 'completed' then (paid + discount)::decimal(18, 2) else amount end as amount,
        case when status = 'completed' then 0::decimal(18, 2) else discount_amount end as discount_amount
    ),
    'duplicate_version' as _kind, false as _has_earlier
from out_orders where _has_earlier
order by _k1;

insert into out_orders by name
select * exclude (_fresh, _has_earlier) replace (
        $n_clean + _fresh as _k1,
        case when _kind = 'missing_required' and u(_k1, 102) < 0.5 then null
             else 'O' || lpad(($n_clean + _fresh)::varchar, $order_width, '0') end as order_id,
        case
            when _kind = 'unknown_customer'
                then 'C' || lpad(($n_customers + 1 + floor(u(_k1, 103) * $n_customers))::bigint::varchar,
                                 $id_width, '0')
            when _kind = 'missing_required' and u(_k1, 102) >= 0.5 then null
            else customer_id end as customer_id,
        case
            when _kind = 'future_timestamp'
                then ts_text($end_s + $future_base_s + floor(u(_k1, 104) * $future_span_s)::bigint, zoned)
            when _kind = 'unparseable_timestamp' then pick($bad_timestamps, _k1, 105)
            else order_ts end as order_ts,
        case
            when _kind = 'future_timestamp'
                then ts_text($end_s + $future_base_s + floor(u(_k1, 104) * $future_span_s)::bigint
                             + (updated_s - ts_s), zoned)
            else updated_at end as updated_at,
        case when _kind = 'negative_amount' then -amount else amount end as amount,
        case when _kind = 'unknown_status' then pick($unknown_statuses, _k1, 106) else status end as status
    ),
    false as _has_earlier
from (
    select *, row_number() over (order by _k1, _kind) as _fresh
    from (
        -- broken copies are made of rows without an in-place defect, so each row has one defect
        select * replace ('negative_amount' as _kind) from out_orders
        where _kind is null and u(_k1, 110) < $negative_amount
        union all
        select * replace ('unknown_status' as _kind) from out_orders
        where _kind is null and u(_k1, 111) < $unknown_status
        union all
        select * replace ('unknown_customer' as _kind) from out_orders
        where _kind is null and u(_k1, 112) < $unknown_customer
        union all
        select * replace ('future_timestamp' as _kind) from out_orders
        where _kind is null and u(_k1, 113) < $future_timestamp
        union all
        select * replace ('unparseable_timestamp' as _kind) from out_orders
        where _kind is null and u(_k1, 114) < $unparseable_timestamp
        union all
        select * replace ('missing_required' as _kind) from out_orders
        where _kind is null and u(_k1, 115) < $missing_required
    )
)
order by _k1;
