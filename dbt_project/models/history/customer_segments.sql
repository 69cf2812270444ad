{#- One row per customer: the latest snapshot of segment_history, with the masked contact data
    and salted contact hash of that snapshot (history.customer_contacts, written in Python so that
    the salt never reaches dbt's compiled SQL or logs). -#}
{{ config(materialized='view', full_refresh=none) }}

with

segments as (

    {{ latest_snapshot(ref('segment_history')) }}

),

contacts as (

    select * from {{ source('history', 'customer_contacts') }}

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
        on segments.snapshot_date = contacts.snapshot_date
        and segments.customer_id = contacts.customer_id

)

select * from final
