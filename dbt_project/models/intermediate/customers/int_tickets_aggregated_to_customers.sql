{#- One row per customer with a ticket opened on or before D: ticket features of the snapshot. -#}

with

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}

),

settings as (

    select * from {{ ref('stg_config__settings') }}

),

tickets_with_periods as (

    select
        tickets.*,
        tickets.created_date > {{ dbt.dateadd('day', '-1 * settings.rfm_window_days', as_of_date()) }}
            as is_in_window,
        tickets.created_date > {{ dbt.dateadd('day', '-1 * settings.complaint_window_days', as_of_date()) }}
            as is_in_complaint_window

    from tickets
    cross join settings

),

final as (

    select
        customer_id,
        count(case when is_in_window then 1 end) as tickets_in_window,
        count(case when is_in_window and ticket_type = 'inquiry' then 1 end) as inquiry_tickets,
        count(case when is_in_window and ticket_type = 'complaint' then 1 end) as complaint_tickets,
        count(case when is_in_window and ticket_type = 'suggestion' then 1 end) as suggestion_tickets,
        count(case when is_in_window and ticket_type = 'after_sales' then 1 end) as after_sales_tickets,
        count(case when is_in_complaint_window and ticket_type = 'complaint' then 1 end) as complaints_365d,
        avg(case when is_in_window then satisfaction_score end) as satisfaction_mean,
        count(case when is_in_window then satisfaction_score end) as satisfaction_responses

    from tickets_with_periods
    group by customer_id

)

select * from final
