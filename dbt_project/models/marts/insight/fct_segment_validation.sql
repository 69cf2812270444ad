{#-
    How well the segments separate the customers (snapshot_date x measure x feature). Per numeric
    feature, eta squared = between-segment sum of squares / total sum of squares (the share of the
    feature's variance the segments explain: 0 = segments do not differ, 1 = every segment is
    homogeneous); overall, the number of segments with customers and the largest one's share.
    Silhouette and a k-means comparison are computed in Python and will be added as measures.
-#}
{%- set features = ['recency_days', 'frequency', 'monetary', 'avg_order_value'] %}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

feature_values as (

    {#- customers with a value of the feature (no recency or order value without an order) -#}
    {%- for feature in features %}
    select
        segment,
        '{{ feature }}' as feature,
        cast({{ feature }} as double) as feature_value
    from customers
    where {{ feature }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

with_means as (

    select
        feature,
        feature_value,
        avg(feature_value) over (partition by feature) as overall_mean,
        avg(feature_value) over (partition by feature, segment) as segment_mean

    from feature_values

),

sums_of_squares as (

    {#- Between: every customer contributes its segment mean's squared distance to the overall
        mean (= sum over segments of n_g * (mean_g - mean)^2). -#}
    select
        feature,
        count(*) as customers,
        sum((segment_mean - overall_mean) * (segment_mean - overall_mean)) as between_segments,
        sum((feature_value - overall_mean) * (feature_value - overall_mean)) as total

    from with_means
    group by feature

),

segment_sizes as (

    select
        segment,
        count(*) as customers

    from customers
    group by segment

),

measures as (

    select
        'eta_squared' as measure,
        feature,
        {#- no variance at all: nothing to explain -#}
        case when total > 0 then least(1.0, between_segments / total) end as measure_value,
        customers

    from sums_of_squares

    union all

    select
        'segment_count' as measure,
        cast(null as {{ dbt.type_string() }}) as feature,
        cast(count(*) as double) as measure_value,
        sum(customers) as customers

    from segment_sizes

    union all

    select
        'largest_segment_share' as measure,
        cast(null as {{ dbt.type_string() }}) as feature,
        {{ divide_as_double('max(customers)', 'sum(customers)') }} as measure_value,
        sum(customers) as customers

    from segment_sizes

),

final as (

    select
        {{ as_of_date() }} as snapshot_date,
        measure,
        feature,
        cast(measure_value as double) as value,
        cast(customers as integer) as customers

    from measures

)

select * from final
