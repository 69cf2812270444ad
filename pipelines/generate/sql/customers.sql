-- Latent profile of every customer (one row per customer id 1..$n): when they arrive, whether and
-- how often they buy, when they churn, their price level and their channel/category habits.
-- Times are epoch seconds (UTC). Salts 1-39 of u()/z() are used here, on the customer id.
create or replace table cust as
with base as (
    select
        i as cid,
        u(i, 1) < $enterprise_share as is_ent,
        u(i, 2) < $pre_window_share as pre,
        u(i, 4) >= $never_buy_share as buyer,
        u(i, 5) < $one_off_share as one_off,
        u(i, 6) < $churn_share as churn_draw,
        z(i, 12) as z_income,
        greatest(3, least(50000, round(exp(ln(40) + 1.4 * z(i, 13)))))::integer as employees,
        case
            when u(i, 2) < $pre_window_share
                then $start_s - 1 - floor(u(i, 3) * $pre_window_span_s)::bigint
            -- growth: arrivals per day rise by a factor exp($growth) over the window
            else $start_s + floor(ln(1 + u(i, 3) * (exp($growth) - 1)) / $growth
                                  * ($end_s - $start_s - 7200))::bigint
        end as reg_s
    from range(1, $n + 1) t(i)
),
spans as (
    select
        *,
        greatest(reg_s, $start_s) as a_s,
        case when buyer and not one_off and churn_draw
            then greatest(reg_s, $start_s)
                 + floor((0.1 + 0.9 * u(cid, 7)) * ($end_s - greatest(reg_s, $start_s)))::bigint
        end as churn_s
    from base
),
habits as (
    select
        *,
        coalesce(churn_s, $end_s) as b_s,
        -- orders per year of a repeat buyer: heavy-tailed
        exp(case when is_ent then ln($rate_median_ent) else ln($rate_median_ind) end
            + $rate_sigma * z(cid, 8)) as rate,
        case when is_ent
            then ln($amount_median_ent) + 0.3 * ln(employees / 40.0) + 0.7 * z(cid, 9)
            else ln($amount_median_ind) + 0.25 * z_income + 0.6 * z(cid, 9)
        end as amount_mu,
        pow(u(cid, 10), 1.3) * case when is_ent then 0.5 else 1.0 end as price_sens,
        case when is_ent then pick($channel_ent, cid, 14) else pick($channel_ind, cid, 14) end as ch1,
        case when is_ent then pick($channel_ent, cid, 15) else pick($channel_ind, cid, 15) end as ch2_draw,
        case when is_ent then pick($category_ent, cid, 16) else pick($category_ind, cid, 16) end as cat1,
        case when is_ent then pick($category_ent, cid, 17) else pick($category_ind, cid, 17) end as cat2_draw,
        case when is_ent then pick($payment_ent, cid, 18) else pick($payment_ind, cid, 18) end as pay,
        floor(-ln(1 - u(cid, 11)) * 7 * 86400)::bigint as first_delay_s
    from spans
)
select
    * exclude (ch2_draw, cat2_draw),
    case when ch2_draw = ch1 then ch1 % 4 + 1 else ch2_draw end as ch2,
    case when cat2_draw = cat1 then cat1 % $n_categories + 1 else cat2_draw end as cat2,
    case
        when not buyer then 0
        when one_off then 1
        else least($max_orders, greatest(2, round(rate * (b_s - a_s) / 31557600.0)))::integer
    end as n_orders
from habits;

-- The CRM attributes of each customer (latest version, typed; timestamps still epoch seconds).
-- Salts 40-79.
create or replace table crm as
with people as (
    select
        c.*,
        u(cid, 40) < 0.5 as female,
        pick($surname_slots, cid, 41) as sn,
        1 + floor(u(cid, 42) * 40)::integer as g1,
        case when u(cid, 43) < 0.6 then 1 + floor(u(cid, 44) * 40)::integer end as g2,
        -- age at the end date: 18-75, most between 25 and 45, and at least 18 when registering
        greatest(18 + ($end_s - reg_s) / 31557600.0 + u(cid, 71),
                 18 + case when exp(ln(17) + 0.65 * z(cid, 45)) > 57 then 57 * u(cid, 72)
                           else exp(ln(17) + 0.65 * z(cid, 45)) end) as age,
        pick($tier_slots, cid, 46) as tier,
        pick($industry_slots, cid, 47) as ind,
        1 + floor(u(cid, 48) * len($brands))::integer as brand
    from cust c
),
named as (
    select
        *,
        $surnames[sn] || case when female then $given_female[g1] || coalesce($given_female[g2], '')
                              else $given_male[g1] || coalesce($given_male[g2], '') end as person_name,
        case when female then $given_female_py[g1] || coalesce($given_female_py[g2], '')
             else $given_male_py[g1] || coalesce($given_male_py[g2], '') end as given_py,
        $cities[tier][1 + floor(u(cid, 49) * len($cities[tier]))::integer] as city,
        z_income - 0.3 * (tier - 2.5) as income_score
    from people
)
select
    cid,
    'C' || lpad(cid::varchar, $id_width, '0') as customer_id,
    case when is_ent then 'enterprise' else 'individual' end as customer_type,
    case when is_ent
        then city || $brands[brand] || $industry_words[ind] || pick($suffix_slots, cid, 50)
        else person_name
    end as name,
    case
        when is_ent then pick($mailboxes, cid, 51) || '@' || $brands_py[brand] || $industry_slugs[ind]
                         || case when u(cid, 52) < 0.6 then '.com' else '.com.cn' end
        when u(cid, 53) < 0.28 then pick($qq_prefix, cid, 54) || digits(cid, 55, 8)
                                   || '@qq.com'
        else case floor(u(cid, 56) * 3)::integer
                 when 0 then given_py || $surnames_py[sn] || digits(cid, 57, 2)
                 when 1 then $surnames_py[sn] || '.' || given_py
                 else $surnames_py[sn] || given_py || (year($end_date) - floor(age)::integer)::varchar
             end || '@' || pick($domain_slots, cid, 58)
    end as email,
    pick($phone_prefixes, cid, 59) || digits(cid, 60, 8) as phone,
    case when not is_ent then case when female then 'female' else 'male' end end as gender,
    case when not is_ent then ($end_date - floor(age * 365.25)::integer)::date end as birth_date,
    city,
    tier as city_tier,
    case
        when is_ent then null
        when age < 23 and u(cid, 61) < 0.6 then 'student'
        when age > 60 and u(cid, 61) < 0.75 then 'retired'
        else pick($occupation_slots, cid, 62)
    end as occupation,
    case when not is_ent then
        case when income_score < -0.6 then 'low' when income_score > 0.9 then 'high' else 'mid' end
    end as income_band,
    case when is_ent then $industries[ind] end as industry,
    case when is_ent then employees end as employee_count,
    case when is_ent then (greatest(1, round(exp(ln(employees * 50000.0) + 0.8 * z(cid, 63)) / 10000))
                           * 10000)::decimal(18, 2) end as registered_capital,
    case when is_ent
        then (make_timestamp(reg_s * 1000000)::date - floor(365 * (1 + 30 * pow(u(cid, 64), 1.5)))::integer)::date
    end as founded_date,
    reg_s,
    -- member level from the expected annual spend
    case
        when n_orders = 0 then 'basic'
        when (case when n_orders = 1 then 1.0 else rate end) * exp(amount_mu + 0.18) >= $vip_spend then 'vip'
        when (case when n_orders = 1 then 1.0 else rate end) * exp(amount_mu + 0.18) >= $gold_spend then 'gold'
        when (case when n_orders = 1 then 1.0 else rate end) * exp(amount_mu + 0.18) >= $silver_spend
            then 'silver'
        else 'basic'
    end as member_level,
    -- engagement follows activity: recent buyers who shop in the app use it most
    floor(-ln(1 - u(cid, 65)) * case
        when n_orders >= 2 and churn_s is null
            then 1.5 + 2 * pow(rate, 0.7) * case when ch1 in (1, 3) then 2.0 when ch1 = 2 then 0.7 else 0.3 end
        when n_orders >= 1 then 0.8
        else 0.3
    end)::integer as app_sessions_30d,
    case when u(cid, 66) < 0.05 then 0 else floor(exp(ln(120) + z(cid, 67)))::integer end as impressions,
    -- click-through rate: lognormal around 1 % (0.5 % for the inactive), with the long tail of
    -- engaged customers that click more than 5 % (the guides' "high"); at most 30 %
    least(0.3, exp(ln(0.01) + 0.9 * z(cid, 68))
               * case when n_orders >= 2 and churn_s is null then 1.5 else 0.6 end) as ctr,
    least($end_s, reg_s + greatest(3600, floor(u(cid, 69) * ($end_s - reg_s))::bigint)) as updated_s,
    u(cid, 70) < $zoned_share as zoned
from named;
