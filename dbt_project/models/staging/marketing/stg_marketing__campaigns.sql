{#-
    One row per campaign send on or before D. Optional source: when the raw table does not exist
    (no campaigns ever delivered, or a warehouse built without extraction), no rows.
-#}
{%- set relation = source('marketing', 'campaigns') -%}
{%- set raw_exists = execute and adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier) is not none -%}

with

source as (

    {% if raw_exists -%}
    select customer_id, campaign_id, channel, sent_at
    from {{ relation }}
    where _is_latest
    {%- else -%}
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        {{ as_of_cutoff() }} as sent_at
    from (select 1 as no_campaigns) as empty_source
    where 1 = 0
    {%- endif %}

),

final as (

    select
        -- ids
        trim(customer_id) as customer_id,
        trim(campaign_id) as campaign_id,

        -- dimensions
        channel,

        -- timestamps
        sent_at,
        cast(sent_at as date) as sent_date

    from source
    where sent_at < {{ as_of_cutoff() }}

)

select * from final
