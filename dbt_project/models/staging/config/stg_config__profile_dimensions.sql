with

source as (

    select * from {{ source('config', 'profile_dimensions') }}

),

final as (

    select
        dimension,
        dimension_kind,
        label_zh,
        label_en,
        dimension_order

    from source

)

select * from final
