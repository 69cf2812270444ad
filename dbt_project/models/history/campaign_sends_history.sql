{#- Every quarter's fct_campaign_sends (who was sent which campaign in the quarter ending on the
    snapshot): this quarter's rows replace those of its snapshot_date. Read by campaign_outcomes. -#}

select * from {{ ref('fct_campaign_sends') }}
