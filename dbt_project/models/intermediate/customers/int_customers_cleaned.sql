{#-
    One row per customer registered on or before D: the staged version plus what is inferred across
    customers (a missing city tier from other customers in the same city) and the ages on D.
-#}

with

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

city_tier_votes as (

    {# The most common known tier of each city (ties: the lower tier number). #}
    select
        lower(city) as city_key,
        city_tier,
        row_number() over (
            partition by lower(city)
            order by count(*) desc, city_tier asc
        ) as vote_rank

    from customers
    where city is not null and city_tier is not null
    group by lower(city), city_tier

),

city_tiers as (

    select city_key, city_tier from city_tier_votes where vote_rank = 1

),

final as (

    select
        -- ids
        customers.customer_id,

        -- dimensions
        customers.customer_type,
        customers.is_customer_type_inferred,
        customers.gender,
        customers.city,
        coalesce(customers.city_tier, city_tiers.city_tier) as city_tier,
        case
            when customers.city_tier_source is not null then customers.city_tier_source
            when city_tiers.city_tier is not null then 'city'
        end as city_tier_source,
        customers.occupation,
        customers.income_band,
        customers.industry,
        customers.employee_count,
        customers.registered_capital,
        customers.member_level,
        customers.app_sessions_30d,
        customers.ad_impressions_90d,
        customers.ad_clicks_90d,

        -- contact quality (the contact data itself stays in staging)
        customers.email is not null as has_valid_email,
        customers.phone is not null as has_valid_phone,
        customers.is_email_invalid,
        customers.is_phone_invalid,
        customers.attributes_known_at_as_of,

        -- ages on D: whole years, counted as a birthday would
        case
            when customers.birth_date <= {{ as_of_date() }}
                then {{ full_years_between('customers.birth_date', as_of_date()) }}
        end as age_years,
        case
            when customers.founded_date <= {{ as_of_date() }}
                then {{ full_years_between('customers.founded_date', as_of_date()) }}
        end as company_age_years,
        customers.registered_date,
        {{ dbt.datediff('customers.registered_date', as_of_date(), 'day') }} as tenure_days

    from customers
    left join city_tiers
        on lower(customers.city) = city_tiers.city_key

)

select * from final
