-- The latest snapshot's segmentation, one row per customer, with masked contact data and the
-- contact hash (no raw name, email or phone exists in history).
with

segments as (

    select * from history.segment_history where snapshot_date = $snapshot_date

),

contacts as (

    select * from history.customer_contacts where snapshot_date = $snapshot_date

),

final as (

    select
        segments.*,
        contacts.name_masked,
        contacts.phone_masked,
        contacts.contact_hash,
        contacts.contact_hash_basis

    from segments
    left join contacts
        on segments.customer_id = contacts.customer_id

)

select * from final
