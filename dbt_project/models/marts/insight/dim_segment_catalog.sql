{#- One row per business segment of the config in force for the snapshot: labels, descriptions,
    rule, strategy, owner, review cadence and holdout share, in priority order (segment_order). -#}

with

segments as (

    select * from {{ ref('stg_config__segments') }}

),

final as (

    select
        {{ as_of_date() }} as snapshot_date,
        segment,
        cast(priority as integer) as segment_order,
        segment_label_zh as label_zh,
        segment_label_en as label_en,
        segment_description_zh as description_zh,
        segment_description_en as description_en,
        segment_rule as rule,
        is_catch_all,
        strategy_direction_zh,
        strategy_direction_en,
        strategy_measures_zh,
        strategy_measures_en,
        strategy_zh,
        strategy_en,
        owner,
        review_cadence,
        holdout_share,
        is_churn_segment

    from segments

)

select * from final
