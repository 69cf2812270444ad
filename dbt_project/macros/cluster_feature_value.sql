{#- A k-means feature of dim_customers as the fit read it (pipelines/insight/features.py): recency
    of a customer without an order is the days since registration. -#}
{% macro cluster_feature_value(feature, relation) -%}
    {%- if feature == 'recency_days' -%}
        coalesce({{ relation }}.recency_days, {{ relation }}.tenure_days)
    {%- else -%}
        {{ relation }}.{{ feature }}
    {%- endif -%}
{%- endmacro %}
