{#- The latest snapshot of segment_catalog_history: the business segments as configured now. -#}
{{ config(materialized='view', full_refresh=none) }}

{{ latest_snapshot(ref('segment_catalog_history')) }}
