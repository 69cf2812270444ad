{#-
    One row per customer registered on or before D: the business segment (the config's rules, first
    match wins, catch-all last), its labels and strategy, and the value x potential quadrant.
    The rules are inlined at compile time from the config tables.
-#}

with

customers as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

segments as (

    select * from {{ ref('stg_config__segments') }}

),

quadrants as (

    select * from {{ ref('stg_config__value_potential_matrix') }}

),

rfm_segments as (

    select * from {{ ref('stg_config__rfm_segments') }}

),

classified as (

    select
        customers.*,
        {{ business_segment_case() }} as segment,
        coalesce(({{ config_setting('matrix_value_rule') or 'false' }}), false) as is_high_value,
        coalesce(({{ config_setting('matrix_potential_rule') or 'false' }}), false) as is_high_potential

    from customers

),

final as (

    select
        classified.*,
        rfm_segments.rfm_segment_label_zh,
        rfm_segments.rfm_segment_label_en,
        segments.segment_label_zh,
        segments.segment_label_en,
        segments.strategy_zh,
        segments.strategy_en,
        quadrants.value_potential_quadrant,
        quadrants.value_potential_label_zh,
        quadrants.value_potential_label_en

    from classified
    left join segments
        on classified.segment = segments.segment
    left join rfm_segments
        on classified.rfm_segment = rfm_segments.rfm_segment
    left join quadrants
        on classified.is_high_value = quadrants.is_high_value
        and classified.is_high_potential = quadrants.is_high_potential

)

select * from final
