{#- One row per snapshot date and k-means cluster: size, centroid in original units (the mean of the
    assigned customers' raw recency, frequency and monetary), the fit's k and silhouette, and a name in
    Chinese and English from how the centroid compares with the snapshot's means. -#}

with

clusters as (

    select * from {{ ref('customer_clusters') }}
    where snapshot_date = {{ as_of_date() }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

fit as (

    select * from {{ source('insight', 'cluster_fit') }}
    where snapshot_date = {{ as_of_date() }}

),

members as (

    select
        clusters.cluster_id,
        {{ cluster_feature_value('recency_days', 'customers') }} as recency_days,
        customers.frequency,
        customers.monetary

    from clusters
    inner join customers
        on clusters.customer_id = customers.customer_id

),

centroids as (

    select
        cluster_id,
        count(*) as customers,
        avg(cast(recency_days as double)) as recency_days,
        avg(cast(frequency as double)) as frequency,
        {{ avg_as_double('monetary') }} as monetary

    from members
    group by cluster_id

),

overall as (

    select
        count(*) as population,
        avg(cast(recency_days as double)) as recency_days,
        avg(cast(frequency as double)) as frequency,
        {{ avg_as_double('monetary') }} as monetary

    from members

),

named as (

    {#- each of R, F, M above or below the snapshot's mean (a tie counts as the weaker side) -#}
    select
        centroids.*,
        {{ divide_as_double('centroids.customers', 'overall.population') }} as customer_share,
        (case when centroids.recency_days < overall.recency_days then '近期' else '久未购买' end)
        || (case when centroids.frequency > overall.frequency then '高频' else '低频' end)
        || (case when centroids.monetary > overall.monetary then '高消费' else '低消费' end) as base_label_zh,
        (case when centroids.recency_days < overall.recency_days then 'Recent' else 'Lapsed' end)
        || (case when centroids.frequency > overall.frequency then ', frequent' else ', infrequent' end)
        || (case when centroids.monetary > overall.monetary then ', high spend' else ', low spend' end)
            as base_label_en

    from centroids
    cross join overall

),

final as (

    select
        {{ as_of_date() }} as snapshot_date,
        named.cluster_id,
        cast(named.customers as integer) as customers,
        named.customer_share,
        named.recency_days,
        named.frequency,
        named.monetary,
        {#- two clusters on the same side of every mean: the cluster number tells them apart -#}
        case
            when count(*) over (partition by named.base_label_zh) > 1
                then named.base_label_zh || '（簇' || cast(named.cluster_id as {{ dbt.type_string() }}) || '）'
            else named.base_label_zh
        end as label_zh,
        case
            when count(*) over (partition by named.base_label_en) > 1
                then named.base_label_en || ' (cluster ' || cast(named.cluster_id as {{ dbt.type_string() }}) || ')'
            else named.base_label_en
        end as label_en,
        fit.k,
        fit.silhouette,
        fit.chosen_by

    from named
    cross join fit

)

select * from final
