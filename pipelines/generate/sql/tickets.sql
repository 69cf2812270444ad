-- Support tickets from three causes; tid (internal, unique) = 4 * cause-specific key + cause.
--   1: an order went wrong (refunds and cancellations often, completed orders rarely), after it;
--   2: general questions and suggestions, anywhere in the customer's life, more for active buyers;
--   3: the months before a customer churns: mostly complaints, more frequent as churn approaches.
create or replace table tix_raw as
select
    4 * oid + 1 as tid, cid,
    ts_s + 3600 + floor(u(oid, 20) * 10 * 86400)::bigint as created_s,
    case
        when near_churn then pick($type_pre_churn, oid, 21)
        when status = 'refunded' then pick($type_refunded, oid, 21)
        when status = 'cancelled' then pick($type_cancelled, oid, 21)
        else pick($type_completed, oid, 21)
    end as type_idx
from ord
where u(oid, 22) < case status when 'refunded' then $p_refunded when 'cancelled' then $p_cancelled
                               else $p_completed end
      + case when near_churn then $p_near_churn else 0 end
union all
select
    4 * (cid * 64 + j) + 2 as tid, cid,
    a_s + floor(u(cid * 64 + j, 23) * ($end_s - a_s))::bigint as created_s,
    pick($type_general, cid * 64 + j, 24) as type_idx
from (
    select cid, a_s,
        unnest(range(least(20, floor(-ln(1 - u(cid, 25)) * ($general_base + $general_per_order
                                                              * least(n_orders, 20)))::integer))) as j
    from cust
)
union all
select
    4 * (cid * 64 + j) + 3 as tid, cid,
    greatest(a_s, churn_s - floor(pow(u(cid * 64 + j, 26), 2) * 120 * 86400)::bigint) as created_s,
    pick($type_pre_churn, cid * 64 + j, 27) as type_idx
from (
    select cid, a_s, churn_s, unnest(range(floor(u(cid, 28) * $pre_churn_max)::integer)) as j
    from cust where churn_s is not null
);

-- Stored in time order: rowid + 1 numbers the tickets.
create or replace table tix as
select
    t.tid, t.cid, t.created_s, t.type_idx,
    case when c.ch1 = 4 then pick($channel_store, t.tid, 29) else pick($channel_online, t.tid, 29) end
        as channel,
    case
        when u(t.tid, 30) < $no_score_share then null
        when t.type_idx = 2 then pick($score_complaint, t.tid, 31)
        else pick($score_other, t.tid, 31)
    end as satisfaction_score,
    case
        when u(t.tid, 32) < $unresolved_share then null
        when t.created_s + 600 + floor(exp(ln(18 * 3600) + 1.1 * z(t.tid, 33)))::bigint > $end_s then null
        else t.created_s + 600 + floor(exp(ln(18 * 3600) + 1.1 * z(t.tid, 33)))::bigint
    end as resolved_s
from tix_raw t join cust c using (cid)
where t.created_s <= $end_s - 60
order by t.created_s, t.tid;
