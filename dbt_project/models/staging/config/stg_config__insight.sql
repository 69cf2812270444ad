with

source as (

    select * from {{ source('config', 'insight') }}

),

final as (

    select
        -- segment profiles and portraits
        segment_profile_top_values,
        portrait_min_lift,
        portrait_min_share,
        portrait_max_attributes,

        -- samples and the distinctness warning
        sample_size,
        max_segment_share

    from source

)

select * from final
