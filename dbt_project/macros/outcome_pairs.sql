{#-
    The snapshots a run of quarter D writes outcomes for, as rows (snapshot_date S, outcome_snapshot
    T): the quarter before D with D (D's data decides its outcomes), and D with the quarter end after
    it. Only an S in `history` (a relation or CTE with snapshot_date) is listed; T is null while its
    snapshot is not in `history` (the outcomes are not known yet). Quarter ends are computed at
    compile time from the as-of date, so the SQL is the same on every engine. Used by every model
    that measures the quarter after a snapshot (segment_outcomes, campaign_outcomes, clv_backtest).
-#}
{% macro outcome_pairs(history) -%}
{%- set as_of = modules.datetime.datetime.strptime(as_of_date_value(), '%Y-%m-%d').date() -%}
{%- set day = modules.datetime.timedelta(days=1) -%}
{%- set previous_end = as_of.replace(day=1, month=as_of.month - 2) - day -%}
{%- set next_start = as_of + day -%}
{%- set after_next_start = next_start.replace(
        year=next_start.year + (1 if next_start.month == 10 else 0),
        month=(next_start.month + 2) % 12 + 1) -%}
{%- set next_end = after_next_start - day -%}
    select
        pairs.snapshot_date,
        later.snapshot_date as outcome_snapshot

    from (
        select cast('{{ previous_end }}' as date) as snapshot_date, {{ as_of_date() }} as outcome_snapshot
        union all
        select {{ as_of_date() }} as snapshot_date, cast('{{ next_end }}' as date) as outcome_snapshot
    ) as pairs
    inner join (select distinct snapshot_date from {{ history }}) as earlier
        on pairs.snapshot_date = earlier.snapshot_date
    left join (select distinct snapshot_date from {{ history }}) as later
        on pairs.outcome_snapshot = later.snapshot_date
{%- endmacro %}
