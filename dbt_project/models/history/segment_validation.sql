{#- Every quarter's fct_segment_validation: this quarter's rows replace those of its snapshot_date.
    Plus the silhouettes the k-means step computed in Python on the standardised R/F/M sample
    (insight.cluster_fit): `silhouette` of the rule-based segments and `kmeans_silhouette` of the
    chosen clusters (feature null; value null where undefined). -#}

with

snapshot as (

    select * from {{ ref('fct_segment_validation') }}

),

fit as (

    select * from {{ source('insight', 'cluster_fit') }}
    where snapshot_date = {{ as_of_date() }}

),

silhouettes as (

    select
        {{ as_of_date() }} as snapshot_date,
        'silhouette' as measure,
        cast(null as {{ dbt.type_string() }}) as feature,
        segment_silhouette as value,
        silhouette_customers as customers

    from fit

    union all

    select
        {{ as_of_date() }} as snapshot_date,
        'kmeans_silhouette' as measure,
        cast(null as {{ dbt.type_string() }}) as feature,
        silhouette as value,
        silhouette_customers as customers

    from fit

),

final as (

    select snapshot_date, measure, feature, value, customers from snapshot

    union all

    select
        snapshot_date,
        measure,
        feature,
        cast(value as double) as value,
        cast(customers as integer) as customers

    from silhouettes

)

select * from final
