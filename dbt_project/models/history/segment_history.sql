{#- Every quarter's dim_customers: this quarter's rows replace those of its snapshot_date. With the
    customer's k-means cluster (customer_clusters; null when the snapshot has no clusters) and
    predicted value (source value.customer_value, fitted by pipelines/value). -#}

with

snapshot as (

    select * from {{ ref('dim_customers') }}

),

clusters as (

    select * from {{ ref('customer_clusters') }}
    where snapshot_date = {{ as_of_date() }}

),

predicted_value as (

    select * from {{ source('value', 'customer_value') }}
    where snapshot_date = {{ as_of_date() }}

),

final as (

    select
        snapshot.*,
        clusters.cluster_id,
        predicted_value.p_alive,
        predicted_value.expected_orders_90d,
        predicted_value.predicted_clv_12m

    from snapshot
    left join clusters
        on snapshot.customer_id = clusters.customer_id
    left join predicted_value
        on snapshot.customer_id = predicted_value.customer_id

)

select * from final
