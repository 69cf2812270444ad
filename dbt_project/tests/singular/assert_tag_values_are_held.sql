{#-
    A warning, not a gate (tag coverage): tags of the catalog that tell nobody apart in this snapshot.
    One row per problem:
    - a tag_code no customer holds (a value of an attribute, or a data-driven attribute as a whole):
      its rule cannot match the data (a threshold beyond the data's range, a rule shadowed by an
      earlier value of its attribute, a typo in a compared value). tag_codes listed in the config's
      quality.tag_values_allowed_empty are not reported;
    - a value held by more than quality.max_tag_value_share of the customers its attribute applies
      to (those holding any value of the attribute): the attribute hardly segments.
    Data-driven attributes (value_sql) are checked for holders only: their values are the data's.
    Severity warn: the snapshot is still published; Dagster shows a non-blocking check on
    fct_customer_tags.
-#}
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_customer_tags'}}}) }}

with

tags as (

    select * from {{ ref('fct_customer_tags') }}

),

tag_catalog as (

    select * from {{ ref('stg_config__tag_catalog') }}

),

settings as (

    select * from {{ ref('stg_config__settings') }}

),

held as (

    select
        tag_code,
        count(*) as customers

    from tags
    group by tag_code

),

attribute_customers as (

    select
        tag_name,
        count(*) as applicable_customers

    from tags
    group by tag_name

),

coverage as (

    select
        tag_catalog.tag_code,
        tag_catalog.tag_name,
        tag_catalog.is_dynamic,
        tag_catalog.may_be_empty,
        coalesce(held.customers, 0) as customers,
        coalesce(attribute_customers.applicable_customers, 0) as applicable_customers

    from tag_catalog
    left join held
        on tag_catalog.tag_code = held.tag_code
    left join attribute_customers
        on tag_catalog.tag_name = attribute_customers.tag_name

),

final as (

    select
        'held by no customer' as problem,
        coverage.tag_code,
        coverage.customers,
        coverage.applicable_customers

    from coverage
    where coverage.customers = 0
        and not coverage.may_be_empty

    union all

    select
        'held by more than max_tag_value_share of the customers its attribute applies to' as problem,
        coverage.tag_code,
        coverage.customers,
        coverage.applicable_customers

    from coverage
    cross join settings
    where not coverage.is_dynamic
        and coverage.customers > settings.max_tag_value_share * coverage.applicable_customers

)

select * from final
