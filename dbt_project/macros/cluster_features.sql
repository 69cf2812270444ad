{#- The features the snapshot's k-means was fitted on (insight.cluster_centroids, written by
    pipelines/insight before the history step), in the fit's order, read at compile time: each
    becomes columns of customer_clusters. Empty at parse time and for a snapshot without clusters. -#}
{% macro cluster_features() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set result = run_query(
        "select feature from " ~ source('insight', 'cluster_centroids')
        ~ " where snapshot_date = " ~ as_of_date()
        ~ " group by feature order by min(feature_order)") -%}
    {{ return(result.columns[0].values() | list) }}
{%- endmacro %}
