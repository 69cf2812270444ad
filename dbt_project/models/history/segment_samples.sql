{#- Every quarter's fct_segment_samples with the masked name and phone of that snapshot
    (history.customer_contacts): the only contact data a reviewer gets. Raw contacts and the
    contact hash are not carried. -#}

with

samples as (

    select * from {{ ref('fct_segment_samples') }}

),

contacts as (

    select * from {{ source('history', 'customer_contacts') }}

),

final as (

    select
        samples.*,
        contacts.name_masked,
        contacts.phone_masked

    from samples
    left join contacts
        on samples.snapshot_date = contacts.snapshot_date
        and samples.customer_id = contacts.customer_id

)

select * from final
