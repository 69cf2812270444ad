{#- Every quarter's dim_customers: this quarter's rows replace those of its snapshot_date. With the
    customer's k-means cluster (customer_clusters; null when the snapshot has no clusters). -#}

with

snapshot as (

    select * from {{ ref('dim_customers') }}

),

clusters as (

    select * from {{ ref('customer_clusters') }}
    where snapshot_date = {{ as_of_date() }}

),

final as (

    select
        snapshot.*,
        clusters.cluster_id

    from snapshot
    left join clusters
        on snapshot.customer_id = clusters.customer_id

)

select * from final
