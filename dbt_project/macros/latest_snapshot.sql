{#- The rows of a quarter-keyed history model that belong to the latest snapshot written
    (history_snapshots lists the snapshots whose history build passed its guards). -#}
{% macro latest_snapshot(relation) -%}
    select history_rows.*
    from {{ relation }} as history_rows
    where history_rows.snapshot_date = (select max(snapshot_date) from {{ ref('history_snapshots') }})
{%- endmacro %}
