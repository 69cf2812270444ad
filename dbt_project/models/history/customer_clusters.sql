{#- One row per customer of the snapshot and k-means cluster: every customer of dim_customers goes
    to the nearest centroid of the fit pipelines/insight made on a sample (insight.cluster_centroids),
    after the same transform (feature -> sign(x) * ln(1 + |x|) -> z-score with the fit's mean and
    std; a missing value or a constant feature gives 0). Customers x k centroids, one aggregation:
    cheap at millions of customers. No rows when the snapshot has no clusters. -#}
{%- set features = cluster_features() %}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

centroids as (

    select * from {{ source('insight', 'cluster_centroids') }}
    where snapshot_date = {{ as_of_date() }}

),
{%- if features %}

transform as (

    {#- the fit's mean and std of each feature (the same on every cluster's rows) -#}
    select
        {%- for feature in features %}
        max(case when feature = '{{ feature }}' then feature_mean end) as {{ feature }}_mean,
        max(case when feature = '{{ feature }}' then feature_std end) as {{ feature }}_std
        {{- "," if not loop.last }}
        {%- endfor %}

    from centroids

),

centres as (

    select
        cluster_id,
        {%- for feature in features %}
        max(case when feature = '{{ feature }}' then centre end) as {{ feature }}_centre
        {{- "," if not loop.last }}
        {%- endfor %}

    from centroids
    group by cluster_id

),

logged as (

    select
        customers.customer_id,
        {%- for feature in features %}
        sign(cast({{ cluster_feature_value(feature, 'customers') }} as double))
            * ln(1 + abs(cast({{ cluster_feature_value(feature, 'customers') }} as double)))
            as {{ feature }}_log
        {{- "," if not loop.last }}
        {%- endfor %}

    from customers

),

standardised as (

    select
        logged.customer_id,
        {%- for feature in features %}
        coalesce(
            (logged.{{ feature }}_log - transform.{{ feature }}_mean) / nullif(transform.{{ feature }}_std, 0),
            0
        ) as {{ feature }}_z
        {{- "," if not loop.last }}
        {%- endfor %}

    from logged
    cross join transform

),

distances as (

    select
        standardised.customer_id,
        centres.cluster_id,
        {%- for feature in features %}
        (standardised.{{ feature }}_z - centres.{{ feature }}_centre)
            * (standardised.{{ feature }}_z - centres.{{ feature }}_centre)
        {{- " +" if not loop.last }}
        {%- endfor %}
            as squared_distance

    from standardised
    cross join centres

),

nearest as (

    {#- the nearest centroid; a customer exactly between two goes to the lower cluster_id -#}
    select
        customer_id,
        {{ arg_min_by('cluster_id', 'squared_distance') }} as cluster_id,
        min(squared_distance) as squared_distance

    from distances
    group by customer_id

),

final as (

    select
        {{ as_of_date() }} as snapshot_date,
        customer_id,
        cast(cluster_id as integer) as cluster_id,
        sqrt(squared_distance) as distance_to_centroid

    from nearest

)
{%- else %}

final as (

    {#- no clusters for this snapshot (or dbt parse): the columns, no rows -#}
    select
        cast(null as date) as snapshot_date,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as integer) as cluster_id,
        cast(null as double) as distance_to_centroid

    from centroids
    where false

)
{%- endif %}

select * from final
