{#- Every quarter's dim_customers: this quarter's rows replace those of its snapshot_date. With the
    customer's k-means cluster (customer_clusters; null when the snapshot has no clusters), holdout
    group (in_holdout when the customer's salted draw in history.customer_contacts, written in Python
    so that the salt never reaches dbt, is below the holdout share of their segment). -#}

with

snapshot as (

    select * from {{ ref('dim_customers') }}

),

clusters as (

    select * from {{ ref('customer_clusters') }}
    where snapshot_date = {{ as_of_date() }}

),

contacts as (

    select customer_id, holdout_draw
    from {{ source('history', 'customer_contacts') }}
    where snapshot_date = {{ as_of_date() }}

),

segments as (

    select segment, holdout_share from {{ ref('dim_segment_catalog') }}

),

final as (

    select
        snapshot.*,
        clusters.cluster_id,
        coalesce(contacts.holdout_draw < segments.holdout_share, false) as in_holdout

    from snapshot
    left join clusters
        on snapshot.customer_id = clusters.customer_id
    left join contacts
        on snapshot.customer_id = contacts.customer_id
    left join segments
        on snapshot.segment = segments.segment

)

select * from final
