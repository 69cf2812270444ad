-- The tickets file as delivered, in file order (insertion order of `out_tickets`): clean tickets in
-- their text form (phone and store tickets in Beijing time, +08:00), some with an optional field
-- left empty; then exact duplicates of some; then broken copies with fresh ticket ids.
-- Salts 120-139, on the ticket's number _k1 (rowid + 1 of the time-ordered table `tix`).
create or replace table out_tickets as
with formatted as (
    select
        rowid + 1 as _k1, created_s, channel in (1, 5) as zoned,
        'T' || lpad((rowid + 1)::varchar, $ticket_width, '0') as ticket_id,
        'C' || lpad(cid::varchar, $id_width, '0') as customer_id,
        ts_text(created_s, channel in (1, 5)) as created_at,
        $ticket_types[type_idx] as ticket_type,
        $ticket_channels[channel] as channel,
        satisfaction_score,
        ts_text(resolved_s, channel in (1, 5)) as resolved_at,
        case
            when u(rowid + 1, 120) < $ticket_duplicates then 'exact_duplicate'
            when u(rowid + 1, 120) < $ticket_duplicates + $missing_optional then 'missing_optional'
        end as _mark,
        u(rowid + 1, 121) < 0.5 as _blank_type
    from tix
)
select
    * exclude (_mark, _blank_type) replace (
        case when _mark = 'missing_optional' and _blank_type then null else ticket_type end as ticket_type,
        case when _mark = 'missing_optional' and not _blank_type then null else channel end as channel
    ),
    case when _mark = 'missing_optional' then _mark end as _kind,
    _mark = 'exact_duplicate' as _duplicated
from formatted;

insert into out_tickets by name
select * exclude (_kind, _duplicated), 'exact_duplicate' as _kind, false as _duplicated
from out_tickets where _duplicated
order by _k1;

insert into out_tickets by name
select * exclude (_fresh, _duplicated) replace (
        $n_clean + _fresh as _k1,
        case when _kind = 'missing_required' and u(_k1, 122) < 0.5 then null
             else 'T' || lpad(($n_clean + _fresh)::varchar, $ticket_width, '0') end as ticket_id,
        case
            when _kind = 'unknown_customer'
                then 'C' || lpad(($n_customers + 1 + floor(u(_k1, 123) * $n_customers))::bigint::varchar,
                                 $id_width, '0')
            when _kind = 'missing_required' and u(_k1, 122) >= 0.5 then null
            else customer_id end as customer_id,
        case
            when _kind = 'future_timestamp'
                then ts_text($end_s + $future_base_s + floor(u(_k1, 124) * $future_span_s)::bigint, zoned)
            when _kind = 'unparseable_timestamp' then pick($bad_timestamps, _k1, 125)
            else created_at end as created_at,
        case when _kind = 'future_timestamp' then null else resolved_at end as resolved_at
    ),
    false as _duplicated
from (
    select *, row_number() over (order by _k1, _kind) as _fresh
    from (
        select * replace ('unknown_customer' as _kind) from out_tickets
        where _kind is null and u(_k1, 132) < $unknown_customer
        union all
        select * replace ('future_timestamp' as _kind) from out_tickets
        where _kind is null and u(_k1, 133) < $future_timestamp
        union all
        select * replace ('unparseable_timestamp' as _kind) from out_tickets
        where _kind is null and u(_k1, 134) < $unparseable_timestamp
        union all
        select * replace ('missing_required' as _kind) from out_tickets
        where _kind is null and u(_k1, 135) < $missing_required
    )
)
order by _k1;
