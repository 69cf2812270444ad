{#-
    One row per customer registered on or before D, whatever the updated_at of their versions (most
    CRM exports hold only the current version). Attributes are those of the latest version updated on
    or before D (not `_is_latest`, the winner over all time, which may be newer than D); when none was,
    those of the earliest version known, with attributes_known_at_as_of false. Optional fields missing
    in the version used are filled from the customer's earlier versions. Existence: the registered_at
    of the version used is on or before D.
-#}
{#- The optional fields a version missing them takes from the customer's earlier versions. -#}
{%- set history_fields = [
    'gender', 'birth_date', 'city', 'city_tier', 'occupation', 'income_band', 'industry',
    'employee_count', 'registered_capital', 'founded_date', 'member_level',
] %}

with

source as (

    select * from {{ source('crm', 'customers') }}

),

versions as (

    select
        source.*,
        trim(source.customer_id) as customer_key,
        source.updated_at < {{ as_of_cutoff() }} as is_known_on_as_of

    from source

),

normalised as (

    select
        customer_key,
        is_known_on_as_of,
        customer_type,
        nullif({{ regexp_replace_all('trim(name)', '\\s+', ' ') }}, '') as customer_name,
        nullif(lower(trim(email)), '') as email_text,
        nullif({{ regexp_replace_all('trim(phone)', '[\\s().-]', '') }}, '') as phone_text,
        case
            when lower(trim(gender)) in ('m', 'male', 'man', '男', '男性') then 'male'
            when lower(trim(gender)) in ('f', 'female', 'woman', '女', '女性') then 'female'
        end as gender,
        birth_date,
        {# '上海市' and '上海' are the same city. The anchored pattern matches once at most, so the plain
            regexp_replace (first match in DuckDB, every match elsewhere) is the same everywhere. #}
        nullif(regexp_replace({{ regexp_replace_all('trim(city)', '\\s+', ' ') }}, '市$', ''), '') as city,
        city_tier,
        nullif(trim(occupation), '') as occupation,
        nullif(trim(income_band), '') as income_band,
        nullif(trim(industry), '') as industry,
        employee_count,
        registered_capital,
        founded_date,
        nullif(lower(trim(member_level)), '') as member_level,
        app_sessions_30d,
        ad_impressions_90d,
        ad_clicks_90d,
        registered_at,
        updated_at,
        _is_latest,
        _loaded_at,
        _source_file,
        _invalid_fields

    from versions

),

keys_with_versions as (

    {#- Only customers delivered in several versions need the history windows below (a sort of
        every version with all its columns). Extraction marks exactly one `_is_latest` row per key
        as read (a blocking check on the raw table), so a key has several versions only if one is
        superseded, or if a key with spaces around it trims to it. -#}
    select distinct trim(customer_id) as customer_key
    from source
    where not coalesce(_is_latest, false) or customer_id != trim(customer_id)

),

single_versions as (

    {#- One version: what it knows is all there is, and it is the version as of D. -#}
    select
        normalised.*,
        {%- for field in history_fields %}
        {{ field }} as known_{{ field }},
        {%- endfor %}
        1 as version_rank

    from normalised
    where not exists (
        select 1 from keys_with_versions where keys_with_versions.customer_key = normalised.customer_key
    )

),

ranked_versions as (

    {# Fill a missing optional value from the customer's earlier versions (the last known one);
        the city tier only from versions with the same city. #}
    select
        normalised.*,
        {%- for field in history_fields %}
        {%- if field == 'city_tier' %}
        {{ last_value_ignore_nulls('city_tier') }} over (
            partition by customer_key, lower(city)
            order by updated_at, _loaded_at, _source_file
            rows between unbounded preceding and current row
        ) as known_city_tier,
        {%- else %}
        {{ last_value_ignore_nulls(field) }} over customer_history as known_{{ field }},
        {%- endif %}
        {%- endfor %}
        row_number() over (
            partition by customer_key
            order by
                is_known_on_as_of desc,
                case when is_known_on_as_of then updated_at end desc,
                updated_at asc,
                _is_latest desc,
                _loaded_at desc,
                _source_file desc
        ) as version_rank

    from normalised
    where exists (
        select 1 from keys_with_versions where keys_with_versions.customer_key = normalised.customer_key
    )
    window customer_history as (
        partition by customer_key
        order by updated_at, _loaded_at, _source_file
        rows between unbounded preceding and current row
    )

),

with_history as (

    select * from single_versions
    union all
    select * from ranked_versions

),

as_of_version as (

    select *
    from with_history
    where version_rank = 1 and registered_at < {{ as_of_cutoff() }}

),

validated as (

    select
        as_of_version.*,
        case
            when {{ regexp_like('email_text', '^[a-z0-9._%+-]+@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}$') }}
                and email_text not like '%..%'
                then email_text
        end as valid_email,
        case
            {# Chinese mobile numbers, with or without the country code. #}
            when {{ regexp_like('phone_text', '^(\\+86|0086|86)?1[3-9][0-9]{9}$') }}
                then '+86' || {{ dbt.right('phone_text', '11') }}
            {# Chinese landlines with their area code (leading 0 dropped in E.164). #}
            when {{ regexp_like('phone_text', '^0[1-9][0-9]{8,10}$') }}
                then '+86' || substr(phone_text, 2)
            {# Other international numbers. #}
            when {{ regexp_like('phone_text', '^(\\+|00)[1-9][0-9]{7,14}$') }}
                then '+' || {{ regexp_replace_all('phone_text', '^(\\+|00)', '') }}
        end as valid_phone

    from as_of_version

),

final as (

    select
        -- ids
        customer_key as customer_id,

        -- dimensions
        coalesce(
            customer_type,
            case
                when coalesce(industry, known_industry) is not null
                    or coalesce(employee_count, known_employee_count) is not null
                    or coalesce(registered_capital, known_registered_capital) is not null
                    then 'enterprise'
                else 'individual'
            end
        ) as customer_type,
        customer_type is null as is_customer_type_inferred,
        customer_name,
        valid_email as email,
        email_text is not null and valid_email is null as is_email_invalid,
        valid_phone as phone,
        phone_text is not null and valid_phone is null as is_phone_invalid,
        known_gender as gender,
        known_birth_date as birth_date,
        known_city as city,
        coalesce(city_tier, case when known_city is not distinct from city then known_city_tier end) as city_tier,
        case
            when city_tier is not null then 'reported'
            when known_city is not distinct from city and known_city_tier is not null then 'history'
        end as city_tier_source,
        known_occupation as occupation,
        known_income_band as income_band,
        known_industry as industry,
        known_employee_count as employee_count,
        known_registered_capital as registered_capital,
        known_founded_date as founded_date,
        known_member_level as member_level,
        app_sessions_30d,
        ad_impressions_90d,
        ad_clicks_90d,

        -- quality flags
        {#- city_tier is not listed: city_tier_source says where it came from. #}
        {%- set filled_flags = [] %}
        {%- for field in history_fields if field != 'city_tier' %}
        {%- do filled_flags.append(
            "case when " ~ field ~ " is null and known_" ~ field ~ " is not null then '" ~ field ~ ",' else '' end"
        ) %}
        {%- endfor %}
        nullif({{ trim_trailing(dbt.concat(filled_flags), ',') }}, '') as fields_filled_from_history,
        _invalid_fields as invalid_fields,
        is_known_on_as_of as attributes_known_at_as_of,

        -- timestamps
        registered_at,
        cast(registered_at as date) as registered_date,
        updated_at,

        -- metadata
        _source_file as source_file,
        _loaded_at as loaded_at

    from validated

)

select * from final
