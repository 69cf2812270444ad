with

source as (

    select * from {{ source('config', 'rfm_fixed_cut_points') }}

),

final as (

    select
        metric,
        score,
        -- minimum value for frequency and monetary, maximum days for recency_days
        bound

    from source

)

select * from final
