{#- One row per snapshot date, k-means cluster and business segment with customers in both: how the
    rule-based segments and the data-driven clusters overlap. -#}

with

clusters as (

    select * from {{ ref('customer_clusters') }}
    where snapshot_date = {{ as_of_date() }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

counts as (

    select
        clusters.cluster_id,
        customers.segment,
        count(*) as customers

    from clusters
    inner join customers
        on clusters.customer_id = customers.customer_id
    group by clusters.cluster_id, customers.segment

),

final as (

    select
        {{ as_of_date() }} as snapshot_date,
        cluster_id,
        segment,
        cast(customers as integer) as customers,
        {{ divide_as_double('customers', 'sum(customers) over (partition by cluster_id)') }}
            as share_of_cluster,
        {{ divide_as_double('customers', 'sum(customers) over (partition by segment)') }}
            as share_of_segment

    from counts

)

select * from final
