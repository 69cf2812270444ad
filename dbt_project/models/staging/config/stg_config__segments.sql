with

source as (

    select * from {{ source('config', 'segments') }}

),

final as (

    select
        segment,
        priority,
        label_zh as segment_label_zh,
        label_en as segment_label_en,
        description as segment_description,
        description_zh as segment_description_zh,
        description_en as segment_description_en,
        rule as segment_rule,
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

    from source

)

select * from final
