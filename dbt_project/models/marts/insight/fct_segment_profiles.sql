{#-
    One row per segment and categorical value (segment x dimension x value), or per segment and
    numeric dimension (value null): who the segment's customers are, next to the whole snapshot.
    Categorical: the segment's customers with the value, its share among the segment's customers with
    a known value of the dimension, the same share over the snapshot, and lift = the ratio of the
    two; the segment_profile_top_values most common values per segment and dimension are kept.
    Numeric: median and quartiles (continuous percentiles) of the customers with a value.
    Dimensions come from the config (insight.segment_profile_*, config table profile_dimensions,
    inlined at compile time): tag attributes take their values from the tags and their display
    names from dim_tag_values (a data-driven value: its vocabulary name) and the catalog; customer
    columns show their raw values.
    segment_profile_top_values is read at run time (stg_config__insight).
-#}
{%- set tag_attributes = profile_dimensions('tag') | map(attribute='dimension') | list %}
{%- set columns = profile_dimensions('column') %}
{%- set numeric = profile_dimensions('numeric') %}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

tags as (

    select * from {{ ref('fct_customer_tags') }}

),

tag_catalog as (

    select * from {{ ref('dim_tag_catalog') }}

),

tag_values as (

    select * from {{ ref('dim_tag_values') }}

),

insight as (

    select * from {{ ref('stg_config__insight') }}

),

segment_sizes as (

    select
        segment,
        count(*) as segment_customers

    from customers
    group by segment

),

{%- if tag_attributes %}

tag_counts as (

    {#- Counted per tag before the labels are joined: a few hundred rows to label, not one per tag. -#}
    select
        customers.segment,
        tags.tag_name,
        tags.tag_code,
        tags.tag_value,
        count(*) as customers

    from tags
    inner join customers
        on tags.customer_id = customers.customer_id
    where tags.tag_name in (
        {%- for attribute in tag_attributes %}'{{ attribute }}'{{ ', ' if not loop.last }}{% endfor -%}
    )
    group by customers.segment, tags.tag_name, tags.tag_code, tags.tag_value

),
{%- endif %}

categorical_values as (

    {#- One row per segment, categorical dimension and known value, with its customers (an empty
        first branch gives the columns their types whatever the vars list). -#}
    select
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as dimension,
        cast(null as {{ dbt.type_string() }}) as dimension_value,
        cast(null as {{ dbt.type_string() }}) as dimension_label_zh,
        cast(null as {{ dbt.type_string() }}) as dimension_label_en,
        cast(null as {{ dbt.type_string() }}) as value_label_zh,
        cast(null as {{ dbt.type_string() }}) as value_label_en,
        cast(null as {{ dbt.type_bigint() }}) as customers
    where false
    {%- if tag_attributes %}

    union all

    select
        tag_counts.segment,
        tag_counts.tag_name as dimension,
        tag_counts.tag_value as dimension_value,
        tag_catalog.tag_name_label_zh as dimension_label_zh,
        tag_catalog.tag_name_label_en as dimension_label_en,
        {#- a data-driven attribute (industry, category): the value's display name (vocabulary or raw) #}
        coalesce(tag_values.tag_value_label_zh, tag_counts.tag_value) as value_label_zh,
        coalesce(tag_values.tag_value_label_en, tag_counts.tag_value) as value_label_en,
        tag_counts.customers

    from tag_counts
    inner join tag_catalog
        on tag_counts.tag_code = tag_catalog.tag_code
    left join tag_values
        on tag_counts.tag_code = tag_values.tag_code
        and tag_counts.tag_value = tag_values.tag_value
    {%- endif %}
    {%- for dimension in columns %}
    {%- set column = dimension['dimension'] %}

    union all

    select
        segment,
        '{{ column }}' as dimension,
        cast({{ column }} as {{ dbt.type_string() }}) as dimension_value,
        '{{ dimension["label_zh"] | replace("'", "''") }}' as dimension_label_zh,
        '{{ dimension["label_en"] | replace("'", "''") }}' as dimension_label_en,
        cast({{ column }} as {{ dbt.type_string() }}) as value_label_zh,
        cast({{ column }} as {{ dbt.type_string() }}) as value_label_en,
        count(*) as customers

    from customers
    where {{ column }} is not null
    group by segment, {{ column }}
    {%- endfor %}

),

value_counts as (

    select
        segment,
        dimension,
        dimension_value,
        dimension_label_zh,
        dimension_label_en,
        value_label_zh,
        value_label_en,
        cast(sum(customers) as {{ dbt.type_bigint() }}) as customers

    from categorical_values
    group by
        segment, dimension, dimension_value, dimension_label_zh, dimension_label_en,
        value_label_zh, value_label_en

),

segment_dimension_totals as (

    select
        segment,
        dimension,
        sum(customers) as dimension_customers

    from value_counts
    group by segment, dimension

),

population_value_counts as (

    select
        dimension,
        dimension_value,
        sum(customers) as population_customers

    from value_counts
    group by dimension, dimension_value

),

population_dimension_totals as (

    select
        dimension,
        sum(customers) as population_dimension_customers

    from value_counts
    group by dimension

),

categorical_shares as (

    select
        value_counts.*,
        segment_dimension_totals.dimension_customers,
        {{ divide_as_double('value_counts.customers', 'segment_dimension_totals.dimension_customers') }}
            as share_in_segment,
        {{ divide_as_double(
            'population_value_counts.population_customers',
            'population_dimension_totals.population_dimension_customers'
        ) }} as share_in_population

    from value_counts
    inner join segment_dimension_totals
        on value_counts.segment = segment_dimension_totals.segment
        and value_counts.dimension = segment_dimension_totals.dimension
    inner join population_value_counts
        on value_counts.dimension = population_value_counts.dimension
        and value_counts.dimension_value = population_value_counts.dimension_value
    inner join population_dimension_totals
        on value_counts.dimension = population_dimension_totals.dimension

),

categorical_ranked as (

    select
        categorical_shares.*,
        {#- share_in_population > 0: the segment's own customers hold the value #}
        share_in_segment / share_in_population as lift,
        row_number() over (
            partition by segment, dimension
            order by customers desc, dimension_value
        ) as value_rank

    from categorical_shares

),

numeric_values as (

    select
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as dimension,
        cast(null as {{ dbt.type_string() }}) as dimension_label_zh,
        cast(null as {{ dbt.type_string() }}) as dimension_label_en,
        cast(null as double) as metric_value
    where false
    {%- for dimension in numeric %}
    {%- set column = dimension['dimension'] %}

    union all

    select
        segment,
        '{{ column }}' as dimension,
        '{{ dimension["label_zh"] | replace("'", "''") }}' as dimension_label_zh,
        '{{ dimension["label_en"] | replace("'", "''") }}' as dimension_label_en,
        cast({{ column }} as double) as metric_value

    from customers
    where {{ column }} is not null
    {%- endfor %}

),

numeric_by_segment as (

    select
        segment,
        dimension,
        dimension_label_zh,
        dimension_label_en,
        count(*) as customers,
        {{ percentile_cont('metric_value', 0.5) }} as median_value,
        {{ percentile_cont('metric_value', 0.25) }} as p25_value,
        {{ percentile_cont('metric_value', 0.75) }} as p75_value

    from numeric_values
    group by segment, dimension, dimension_label_zh, dimension_label_en

),

numeric_population as (

    select
        dimension,
        {{ percentile_cont('metric_value', 0.5) }} as population_median

    from numeric_values
    group by dimension

),

profiles as (

    select
        categorical_ranked.segment,
        'categorical' as dimension_kind,
        categorical_ranked.dimension,
        categorical_ranked.dimension_label_zh,
        categorical_ranked.dimension_label_en,
        categorical_ranked.dimension_value,
        categorical_ranked.value_label_zh,
        categorical_ranked.value_label_en,
        categorical_ranked.value_rank,
        categorical_ranked.dimension_customers,
        categorical_ranked.customers,
        categorical_ranked.share_in_segment,
        categorical_ranked.share_in_population,
        categorical_ranked.lift,
        cast(null as double) as median_value,
        cast(null as double) as p25_value,
        cast(null as double) as p75_value,
        cast(null as double) as population_median

    from categorical_ranked
    cross join insight
    where categorical_ranked.value_rank <= insight.segment_profile_top_values

    union all

    select
        numeric_by_segment.segment,
        'numeric' as dimension_kind,
        numeric_by_segment.dimension,
        numeric_by_segment.dimension_label_zh,
        numeric_by_segment.dimension_label_en,
        cast(null as {{ dbt.type_string() }}) as dimension_value,
        cast(null as {{ dbt.type_string() }}) as value_label_zh,
        cast(null as {{ dbt.type_string() }}) as value_label_en,
        cast(null as integer) as value_rank,
        numeric_by_segment.customers as dimension_customers,
        numeric_by_segment.customers,
        cast(null as double) as share_in_segment,
        cast(null as double) as share_in_population,
        cast(null as double) as lift,
        numeric_by_segment.median_value,
        numeric_by_segment.p25_value,
        numeric_by_segment.p75_value,
        numeric_population.population_median

    from numeric_by_segment
    inner join numeric_population
        on numeric_by_segment.dimension = numeric_population.dimension

),

final as (

    select
        {{ as_of_date() }} as snapshot_date,
        profiles.segment,
        profiles.dimension_kind,
        profiles.dimension,
        profiles.dimension_label_zh,
        profiles.dimension_label_en,
        profiles.dimension_value as value,
        profiles.value_label_zh,
        profiles.value_label_en,
        cast(profiles.value_rank as integer) as value_rank,
        cast(segment_sizes.segment_customers as integer) as segment_customers,
        cast(profiles.dimension_customers as integer) as dimension_customers,
        cast(profiles.customers as integer) as customers,
        cast(profiles.share_in_segment as double) as share_in_segment,
        cast(profiles.share_in_population as double) as share_in_population,
        cast(profiles.lift as double) as lift,
        cast(profiles.median_value as double) as median,
        cast(profiles.p25_value as double) as p25,
        cast(profiles.p75_value as double) as p75,
        cast(profiles.population_median as double) as population_median

    from profiles
    inner join segment_sizes
        on profiles.segment = segment_sizes.segment

)

select * from final
