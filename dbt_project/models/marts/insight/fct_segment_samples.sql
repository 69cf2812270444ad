{#-
    Up to sample_size customers per segment (all of a smaller segment) for business review, with the
    fields a reviewer judges a segment by. The pick is reproducible: customers are ordered by a
    stable hash (MD5) of customer_id and snapshot_date, so re-running a quarter draws the same
    customers, on any engine, while another quarter draws afresh. No contact data here: the history
    copy adds the masked name and phone.
-#}
{#- sample_size: config insight.sample_size, read at run time (stg_config__insight). #}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

insight as (

    select * from {{ ref('stg_config__insight') }}

),

ordered as (

    select
        customers.*,
        row_number() over (
            partition by segment
            order by
                {{ stable_hash(dbt.concat([
                    'customer_id', "'|'", dbt.cast('snapshot_date', dbt.type_string())
                ])) }},
                customer_id
        ) as sample_rank

    from customers

),

final as (

    select
        snapshot_date,
        segment,
        segment_label_zh,
        segment_label_en,
        cast(sample_rank as integer) as sample_rank,
        customer_id,
        customer_type,
        industry,
        city_tier,
        favourite_category,
        r_score,
        f_score,
        m_score,
        rfm_cell,
        recency_days,
        last_order_date,
        frequency,
        monetary,
        avg_order_value,
        value_tier

    from ordered
    cross join insight
    where ordered.sample_rank <= insight.sample_size

)

select * from final
