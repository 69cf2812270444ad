{#-
    value_tier, lifecycle_stage, churn_risk and complaint_risk of dim_customers are the customer's
    tags of the attributes named in segment_columns. A failure means the two drifted apart.
-#}

{#- It reads several models: attach it to dim_customers, so that Dagster shows it as an asset
    check (a blocking one, severity error) instead of an observation. -#}
{{ config(meta={'dagster': {'ref': {'name': 'dim_customers'}}}) }}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

tags as (

    select * from {{ ref('fct_customer_tags') }}

),

settings as (

    select * from {{ ref('stg_config__settings') }}

),

expected as (

    select customers.customer_id, 'value_tier' as column_name, customers.value_tier as column_value,
        settings.value_tier_attribute as tag_name
    from customers cross join settings
    union all
    select customers.customer_id, 'lifecycle_stage', customers.lifecycle_stage, settings.lifecycle_stage_attribute
    from customers cross join settings
    union all
    select customers.customer_id, 'churn_risk', customers.churn_risk, settings.churn_risk_attribute
    from customers cross join settings
    union all
    select customers.customer_id, 'complaint_risk', customers.complaint_risk, settings.complaint_risk_attribute
    from customers cross join settings

)

select expected.*
from expected
left join tags
    on expected.customer_id = tags.customer_id
    and expected.tag_name = tags.tag_name
where tags.tag_value is distinct from expected.column_value
