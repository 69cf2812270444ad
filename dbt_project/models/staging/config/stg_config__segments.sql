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
        rule as segment_rule,
        is_catch_all,
        strategy_direction_zh,
        strategy_direction_en,
        strategy_measures_zh,
        strategy_measures_en,
        strategy_zh,
        strategy_en

    from source

)

select * from final
