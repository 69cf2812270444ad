with

source as (

    select * from {{ source('config', 'value_potential_matrix') }}

),

final as (

    select
        quadrant as value_potential_quadrant,
        is_high_value,
        is_high_potential,
        label_zh as value_potential_label_zh,
        label_en as value_potential_label_en

    from source

)

select * from final
