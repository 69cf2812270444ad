-- The CRM file as delivered, in file order (insertion order of `out_crm`): the latest version of
-- every customer in its text form, some with a malformed contact or blank optional fields; then
-- earlier versions of some customers; then broken copies (future or unparseable timestamps, no id).
-- Every dirty row has exactly one defect, named in _kind. Salts 80-99, on the customer id.
create or replace table out_crm as
with formatted as (
    select
        cid as _k1, reg_s, updated_s, zoned, customer_type = 'enterprise' as _ent,
        customer_id, customer_type, name, email, phone, gender, birth_date, city, city_tier, occupation,
        income_band, industry, employee_count, registered_capital, founded_date,
        ts_text(reg_s, zoned) as registered_at,
        member_level, app_sessions_30d, impressions as ad_impressions_90d,
        floor(impressions * ctr)::integer as ad_clicks_90d,
        ts_text(updated_s, zoned) as updated_at,
        -- in-place defects of the latest version are exclusive: one draw splits them
        case
            when u(cid, 80) < $malformed_email then 'malformed_email'
            when u(cid, 80) < $malformed_email + $malformed_phone then 'malformed_phone'
            when u(cid, 80) < $malformed_email + $malformed_phone + $missing_optional then 'missing_optional'
        end as _kind,
        -- which optional fields a 'missing_optional' row lacks: one or two of 8 (per customer type)
        1 + floor(u(cid, 81) * 8)::integer as _m1,
        case when u(cid, 82) < 0.3 then 1 + floor(u(cid, 83) * 8)::integer else 0 end as _m2,
        floor(u(cid, 84) * 4)::integer as _variant
    from crm
),
flagged as (
    select *, _kind = 'missing_optional' as _miss from formatted
)
select
    * exclude (_m1, _m2, _variant, _miss, _ent) replace (
        case when _kind = 'malformed_email' then case _variant
            when 0 then replace(email, '@', '')
            when 1 then replace(email, '@', '@@')
            when 2 then split_part(email, '@', 1) || '@'
            else replace(email, '.', ' ') end
        when _miss and 7 in (_m1, _m2) then null else email end as email,
        case when _kind = 'malformed_phone' then case _variant
            when 0 then left(phone, 10)
            when 1 then phone || (floor(u(_k1, 85) * 10)::integer)::varchar
            when 2 then '12' || right(phone, 9)
            else left(phone, 7) || 'abcd' end
        when _miss and 8 in (_m1, _m2) then null else phone end as phone,
        case when _miss and not _ent and 1 in (_m1, _m2) then null else gender end as gender,
        case when _miss and not _ent and 2 in (_m1, _m2) then null else birth_date end as birth_date,
        case when _miss and 3 in (_m1, _m2) then null else city end as city,
        case when _miss and 4 in (_m1, _m2) then null else city_tier end as city_tier,
        case when _miss and not _ent and 5 in (_m1, _m2) then null else occupation end as occupation,
        case when _miss and not _ent and 6 in (_m1, _m2) then null else income_band end as income_band,
        case when _miss and _ent and 1 in (_m1, _m2) then null else industry end as industry,
        case when _miss and _ent and 2 in (_m1, _m2) then null else employee_count end as employee_count,
        case when _miss and _ent and 5 in (_m1, _m2) then null else registered_capital end
            as registered_capital,
        case when _miss and _ent and 6 in (_m1, _m2) then null else founded_date end as founded_date
    )
from flagged;

-- an earlier version of the customer, superseded by the latest: recorded at registration, with a
-- lower member level, older counters and sometimes another phone number
insert into out_crm by name
select
    * exclude (_kind) replace (
        registered_at as updated_at,
        case member_level when 'vip' then 'gold' when 'gold' then 'silver' else 'basic' end as member_level,
        case when u(_k1, 86) < 0.3
            then pick($phone_prefixes, _k1, 87) || digits(_k1, 88, 8)
            else phone end as phone,
        floor(app_sessions_30d * u(_k1, 89))::integer as app_sessions_30d,
        floor(ad_impressions_90d * u(_k1, 90))::integer as ad_impressions_90d,
        floor(ad_clicks_90d * u(_k1, 90))::integer as ad_clicks_90d
    ),
    'duplicate_version' as _kind
from out_crm where _kind is null and u(_k1, 91) < $customer_versions
order by _k1;

-- broken copies of clean latest versions
insert into out_crm by name
select * replace (
        case when _kind = 'missing_required' then null else customer_id end as customer_id,
        case
            when _kind = 'future_timestamp'
                then ts_text($end_s + $future_base_s + floor(u(_k1, 92) * $future_span_s)::bigint, zoned)
            when _kind = 'unparseable_timestamp' and u(_k1, 95) >= 0.5 then pick($bad_timestamps, _k1, 96)
            else updated_at end as updated_at,
        case
            when _kind = 'future_timestamp' and u(_k1, 93) < 0.5
                then ts_text($end_s + $future_base_s + floor(u(_k1, 92) * $future_span_s)::bigint, zoned)
            when _kind = 'unparseable_timestamp' and u(_k1, 95) < 0.5 then pick($bad_timestamps, _k1, 96)
            else registered_at end as registered_at
    )
from (
    select * replace ('future_timestamp' as _kind) from out_crm
    where _kind is null and u(_k1, 94) < $future_timestamp
    union all
    select * replace ('unparseable_timestamp' as _kind) from out_crm
    where _kind is null and u(_k1, 97) < $unparseable_timestamp
    union all
    select * replace ('missing_required' as _kind) from out_crm
    where _kind is null and u(_k1, 98) < $missing_required
)
order by _k1, _kind;
