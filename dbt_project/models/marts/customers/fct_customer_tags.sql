{#- One row per customer and tag (customer x tag_code) of the snapshot; labels: dim_tag_values. -#}

with

tags as (

    select * from {{ ref('int_customers_tagged') }}

),

final as (

    select
        snapshot_date,
        customer_id,
        tag_code,
        tag_name,
        tag_value

    from tags

)

select * from final
