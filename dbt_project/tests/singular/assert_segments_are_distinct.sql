{#-
    A warning, not a gate: the segmentation still holds, but may not be worth acting on. One row per
    problem of the snapshot's segments (fct_segment_summary):
    - a segment holding more than config insight.max_segment_share (0.6) of the customers: most customers get
      one treatment, the segmentation hardly segments (thresholds too loose or too tight);
    - two segments with the same mean R, F and M scores: indistinguishable by RFM, their rules may
      overlap or one of them is redundant.
-#}
{{ config(severity='warn') }}

with

summary as (

    select * from {{ ref('fct_segment_summary') }}

),

insight as (

    select * from {{ ref('stg_config__insight') }}

),

dominant as (

    select
        'holds more than max_segment_share of the customers' as problem,
        segment,
        cast(null as {{ dbt.type_string() }}) as other_segment,
        customer_share

    from summary
    cross join insight
    where summary.customer_share > insight.max_segment_share

),

indistinguishable as (

    select
        'same mean R, F and M as other_segment' as problem,
        summary.segment,
        others.segment as other_segment,
        summary.customer_share

    from summary
    inner join summary as others
        on summary.segment < others.segment
        and abs(summary.mean_r_score - others.mean_r_score) < 1e-9
        and abs(summary.mean_f_score - others.mean_f_score) < 1e-9
        and abs(summary.mean_m_score - others.mean_m_score) < 1e-9

)

select * from dominant
union all
select * from indistinguishable
