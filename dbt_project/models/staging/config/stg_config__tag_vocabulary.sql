with

source as (

    select * from {{ source('config', 'tag_vocabulary') }}

),

final as (

    select
        tag_name,
        tag_value,
        label_zh,
        label_en

    from source

)

select * from final
