with

source as (

    select * from {{ source('config', 'rfm_segments') }}

),

final as (

    select
        rfm_segment,
        is_recency_high,
        is_frequency_high,
        is_monetary_high,
        label_zh as rfm_segment_label_zh,
        label_en as rfm_segment_label_en

    from source

)

select * from final
