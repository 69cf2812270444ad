{#- One row per snapshot date and model: the predicted-value models of the quarter (fitted in Python by
    pipelines/value, source value.clv_models), published as they were fitted. -#}

with

fits as (

    select * from {{ source('value', 'clv_models') }}
    where snapshot_date = {{ as_of_date() }}

),

final as (

    select
        snapshot_date,
        model,
        fitted,
        converged,
        r,
        alpha,
        a,
        b,
        p,
        q,
        v,
        r_std_error,
        alpha_std_error,
        a_std_error,
        b_std_error,
        p_std_error,
        q_std_error,
        v_std_error,
        log_likelihood,
        iterations,
        gradient_norm,
        sample_size,
        population,
        repeat_customers,
        spend_frequency_correlation,
        fit_seconds,
        message,
        horizon_days,
        clv_months,
        annual_discount_rate,
        margin

    from fits

)

select * from final
