{#-
    One row per segment with customers: a one-line portrait in Chinese and English, generated from
    the segment's profile. It names the values that set the segment apart most (the strongest lifts
    above portrait_min_lift among values held by at least portrait_min_share of all the segment's
    customers, one per dimension, at most portrait_max_attributes), each with the share of the
    segment's customers who hold it and its lift, and the segment's median order value. Labels are
    the tag catalog's, or a data-driven value's vocabulary name (customer columns: their values).
    Thresholds: config insight (portrait_max_attributes shapes the SQL, read at compile time; the
    others at run time from stg_config__insight).
    Support is measured on all the segment's customers, not only those with a known value (the
    denominator of share_in_segment): otherwise the one enterprise of a segment of individuals would
    make its industry "100 %" of the segment.
-#}
{#- none while parsing (the config tables are read at compile time only) #}
{%- set max_attributes = (insight_setting('portrait_max_attributes') or 1) | int %}

with

profiles as (

    select * from {{ ref('fct_segment_profiles') }}

),

segment_catalog as (

    select * from {{ ref('dim_segment_catalog') }}

),

insight as (

    select * from {{ ref('stg_config__insight') }}

),

segments as (

    select distinct
        segment,
        segment_customers

    from profiles

),

candidates as (

    select
        segment,
        dimension,
        dimension_label_zh,
        dimension_label_en,
        value,
        value_label_zh,
        value_label_en,
        {{ divide_as_double('customers', 'segment_customers') }} as share_of_segment,
        lift,
        row_number() over (partition by segment, dimension order by lift desc, value) as rank_in_dimension

    from profiles
    cross join insight
    where profiles.dimension_kind = 'categorical'
        and profiles.lift > insight.portrait_min_lift
        and profiles.customers >= insight.portrait_min_share * profiles.segment_customers

),

picked as (

    select
        candidates.*,
        row_number() over (partition by segment order by lift desc, dimension) as pick

    from candidates
    where rank_in_dimension = 1

),

{%- set percent = dbt.cast('cast(round(100 * share_of_segment, 0) as integer)', dbt.type_string()) %}
{%- set times = dbt.cast('cast(round(lift, 1) as decimal(18, 1))', dbt.type_string()) %}

attributes as (

    {#- e.g. 年龄段 26-35岁（45%，1.8倍） / Age band 26-35 (45%, 1.8x) -#}
    select
        segment,
        pick,
        {{ dbt.concat([
            'dimension_label_zh', "' '", 'value_label_zh', "'（'", percent, "'%，'", times, "'倍）'"
        ]) }} as attribute_zh,
        {{ dbt.concat([
            'dimension_label_en', "' '", 'value_label_en', "' ('", percent, "'%, '", times, "'x)'"
        ]) }} as attribute_en

    from picked
    where pick <= {{ max_attributes }}

),

attribute_lists as (

    select
        segment,
        count(*) as distinctive_attributes
        {%- for pick in range(1, max_attributes + 1) %},
        max(case when pick = {{ pick }} then attribute_zh end) as attribute_{{ pick }}_zh,
        max(case when pick = {{ pick }} then attribute_en end) as attribute_{{ pick }}_en
        {%- endfor %}

    from attributes
    group by segment

),

order_values as (

    select
        segment,
        median as median_order_value

    from profiles
    where dimension = 'avg_order_value'

),

{%- set parts_zh = ['attribute_lists.attribute_1_zh'] %}
{%- set parts_en = ['attribute_lists.attribute_1_en'] %}
{%- for pick in range(2, max_attributes + 1) %}
    {%- do parts_zh.append("coalesce(" ~ dbt.concat(["'，'", 'attribute_lists.attribute_' ~ pick ~ '_zh']) ~ ", '')") %}
    {%- do parts_en.append("coalesce(" ~ dbt.concat(["', '", 'attribute_lists.attribute_' ~ pick ~ '_en']) ~ ", '')") %}
{%- endfor %}

joined as (

    {#- Picks are numbered 1..n without gaps: attribute_1 exists whenever any does, and a missing
        later one drops out with its separator (coalesce). -#}
    select
        segments.segment,
        segments.segment_customers,
        segment_catalog.label_zh,
        segment_catalog.label_en,
        coalesce(attribute_lists.distinctive_attributes, 0) as distinctive_attributes,
        {{ dbt.concat(parts_zh) }} as attributes_zh,
        {{ dbt.concat(parts_en) }} as attributes_en,
        order_values.median_order_value

    from segments
    left join segment_catalog
        on segments.segment = segment_catalog.segment
    left join attribute_lists
        on segments.segment = attribute_lists.segment
    left join order_values
        on segments.segment = order_values.segment

),

{%- set order_value = dbt.cast('cast(round(median_order_value, 0) as bigint)', dbt.type_string()) %}

final as (

    select
        {{ as_of_date() }} as snapshot_date,
        segment,
        label_zh,
        label_en,
        cast(segment_customers as integer) as segment_customers,
        cast(distinctive_attributes as integer) as distinctive_attributes,
        attributes_zh,
        attributes_en,
        cast(median_order_value as double) as median_order_value,
        {{ dbt.concat([
            'label_zh', "'：'", "coalesce(attributes_zh, '无突出特征')", "'；'",
            "coalesce(" ~ dbt.concat(["'客单价中位数 '", order_value, "' 元'"]) ~ ", '窗口期内无订单')",
        ]) }} as portrait_zh,
        {{ dbt.concat([
            'label_en', "': '", "coalesce(attributes_en, 'no distinctive attribute')", "'; '",
            "coalesce(" ~ dbt.concat(["'median order value '", order_value]) ~ ", 'no orders in W')",
        ]) }} as portrait_en

    from joined

)

select * from final
