-- Masked contact data, the salted contact hash and the holdout draw of the snapshot's customers. stg_crm__customers
-- holds the contact data as of this run's dbt build; dim_customers its customers.
insert into history.customer_contacts by name

with

contacts as (

    select * from staging.stg_crm__customers

),

customers as (

    select customer_id from marts.dim_customers

),

final as (

    select
        cast($snapshot_date as date) as snapshot_date,
        contacts.customer_id,
        mask_name(contacts.customer_name) as name_masked,
        mask_phone(contacts.phone) as phone_masked,
        contact_hash($salt, contacts.email, contacts.phone) as contact_hash,
        contact_hash_basis(contacts.email, contacts.phone) as contact_hash_basis,
        holdout_draw($salt, contacts.customer_id, cast($snapshot_date as date)) as holdout_draw

    from contacts
    inner join customers
        on contacts.customer_id = customers.customer_id

)

select * from final
