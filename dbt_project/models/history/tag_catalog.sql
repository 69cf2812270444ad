{#- The latest snapshot of tag_catalog_history. -#}
{{ config(materialized='view', full_refresh=none) }}

{{ latest_snapshot(ref('tag_catalog_history')) }}
