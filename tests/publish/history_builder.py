"""Quarters of history built by the real history layer from tiny stand-in marts: `build_quarter`
writes the marts of one snapshot (a few customers), runs the real contacts SQL, k-means, predicted
value (joined into dim_customers as dbt_models does) and dbt history models (`dbt build --select
path:models/history`, in this process like the run's `dbt_history` step), as a quarterly run does
after the marts.
Publishing and history tests run on these in seconds; test_pipeline.py runs the whole pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

import duckdb

from pipelines.config.model import Clusters, Clv
from pipelines.history.contacts import write_contacts
from pipelines.insight.assets import build_clusters
from pipelines.quality import results
from pipelines.transform.dbt import build_dbt_args
from pipelines.value.assets import build_customer_value
from tests.helpers import dbt_in_process

# What the quarterly run's dbt_history step builds: models/history, their tests, one thread.
HISTORY_BUILD = [*build_dbt_args(history=True), "--select", "path:models/history"]
SEGMENT_LABELS = {"loyal": "高价值忠实客户", "potential": "潜力开发客户", "churn_risk": "流失风险客户"}


def contact(customer_id: str) -> tuple[str, str, str]:
    """The fake raw contact of a customer: name, email, phone (what must never be published)."""
    number = int(customer_id[1:])
    return f"王{'小明'[: 1 + number % 2]}", f"user{number}@example.com", f"+86138{number:08d}"


def write_marts(
    conn: duckdb.DuckDBPyConnection,
    as_of: date,
    segments: Mapping[str, str],
    extra_tag_rows: int = 0,
    quarter_orders: Mapping[str, tuple[int, float]] | None = None,
    holdout_shares: Mapping[str, float] | None = None,
    campaign_sends: list[tuple[str, str]] | None = None,
) -> None:
    """Replace the marts with one snapshot: `segments` maps customer id -> segment code.

    `extra_tag_rows` pads fct_customer_tags (e.g. beyond one DuckDB row group of 122,880 rows).
    `quarter_orders`: customer id -> (completed orders, revenue) in the quarter ending on `as_of`
    (default none); `holdout_shares`: segment -> holdout share (default 0.05), in segment_order
    = alphabetical order of the codes; `churn_risk` is the churn segment. `campaign_sends`:
    (customer id, campaign id) sent in the quarter ending on `as_of`.
    """
    quarter_orders = quarter_orders or {}
    holdout_shares = holdout_shares or {}
    conn.execute("create schema if not exists marts")
    conn.execute("create schema if not exists staging")
    customers = sorted(segments.items())
    conn.execute(
        "create or replace table marts.dim_customers (snapshot_date date, customer_id varchar, "
        "customer_type varchar, monetary decimal(18, 2), r_score integer, segment varchar, "
        "segment_label varchar, recency_days integer, tenure_days integer, frequency integer, "
        "quarter_orders integer, quarter_revenue decimal(18, 2))"
    )
    # recency, tenure and frequency: what the k-means step (pipelines/insight) clusters on.
    conn.executemany(
        "insert into marts.dim_customers values (?, ?, 'individual', ?, 3, ?, ?, ?, 400, ?, ?, ?)",
        [
            [
                as_of,
                cid,
                100 * (i + 1),
                seg,
                SEGMENT_LABELS.get(seg, seg),
                10 * (i % 7),
                1 + i % 3,
                *quarter_orders.get(cid, (0, 0.0)),
            ]
            for i, (cid, seg) in enumerate(customers)
        ],
    )
    conn.execute(
        "create or replace table marts.fct_customer_tags as "
        "select snapshot_date, customer_id, 'segment_' || segment as tag_code, 'segment' as tag_name, "
        "segment as tag_value from marts.dim_customers"
    )
    if extra_tag_rows:
        conn.execute(
            "insert into marts.fct_customer_tags select $d, 'X' || range, 'padding', 'padding', 'x' "
            "from range($n)",
            {"d": as_of, "n": extra_tag_rows},
        )
    conn.execute(
        "create or replace table marts.dim_tag_values as select distinct snapshot_date, tag_code, tag_value, "
        "tag_name, 'value' as tag_level1, tag_name as tag_level2, tag_value as tag_value_label, "
        "tag_value as tag_value_label_zh, tag_value as tag_value_label_en, tag_code as tag_label, "
        "tag_code as tag_label_zh, tag_code as tag_label_en from marts.fct_customer_tags"
    )
    conn.execute(
        "create or replace table marts.dim_rfm_calibration as select $d as snapshot_date, metric, score, "
        "cast(score * 10 as decimal(18, 2)) as lower_bound, "
        "cast(score * 10 + 9 as decimal(18, 2)) as upper_bound "
        "from (values ('recency_days'), ('frequency'), ('monetary')) as metrics(metric), "
        "range(1, 6) as scores(score)",
        {"d": as_of},
    )
    conn.execute(
        "create or replace table marts.fct_segment_summary as select snapshot_date, segment, "
        "any_value(segment_label) as segment_label, cast(count(*) as integer) as customers, "
        "count(*) / sum(count(*)) over () as customer_share, sum(monetary) as revenue, "
        "sum(monetary) / sum(sum(monetary)) over () as revenue_share, avg(r_score) as mean_r_score, "
        "3.0 as mean_f_score, 3.0 as mean_m_score from marts.dim_customers group by snapshot_date, segment"
    )
    conn.execute(
        "create or replace table marts.dim_tag_catalog as select distinct snapshot_date, tag_code, "
        "tag_level1, tag_level2, tag_value, 'the segment' as definition, 'dim_customers' as data_source, "
        "'segment = value' as rule from marts.dim_tag_values"
    )
    # The segment insight marts (dim_segment_catalog, fct_segment_*), a few real columns each.
    conn.execute(
        "create or replace table marts.dim_segment_catalog as select snapshot_date, segment, "
        "cast(row_number() over (order by segment) as integer) as segment_order, "
        "any_value(segment_label) as label_zh, segment as label_en, 'zh' as description_zh, "
        "'en' as description_en, 'true' as rule, '维护' as strategy_zh, 'Maintain' as strategy_en, "
        "'marketing' as owner, 'quarterly' as review_cadence, "
        "coalesce(shares.holdout_share, 0.05) as holdout_share, segment = 'churn_risk' as is_churn_segment "
        "from marts.dim_customers "
        "left join (select unnest($codes) as code, unnest($shares) as holdout_share) as shares "
        "on shares.code = dim_customers.segment "
        "group by snapshot_date, segment, shares.holdout_share",
        {"codes": [*holdout_shares.keys(), ""], "shares": [*holdout_shares.values(), 0.0]},
    )
    conn.execute(
        "create or replace table marts.fct_segment_profiles as select snapshot_date, segment, "
        "'categorical' as dimension_kind, 'customer_type' as dimension, customer_type as value, "
        "cast(count(*) as integer) as customers, 1.0 as share_in_segment, 1.0 as share_in_population, "
        "1.0 as lift, cast(null as double) as median, cast(null as double) as p25, "
        "cast(null as double) as p75 from marts.dim_customers group by all"
    )
    conn.execute(
        "create or replace table marts.fct_segment_portraits as select distinct snapshot_date, segment, "
        "segment || '：无突出特征' as portrait_zh, segment || ': no distinctive attribute' as portrait_en "
        "from marts.dim_customers"
    )
    conn.execute(
        "create or replace table marts.fct_segment_samples as select snapshot_date, segment, "
        "cast(row_number() over (partition by segment order by md5(customer_id)) as integer) "
        "as sample_rank, customer_id, r_score, monetary from marts.dim_customers"
    )
    conn.execute(
        "create or replace table marts.fct_segment_validation as select snapshot_date, "
        "'segment_count' as measure, cast(null as varchar) as feature, "
        "cast(count(distinct segment) as double) as value, cast(count(*) as integer) as customers "
        "from marts.dim_customers group by all"
    )
    # What the predicted-value step (pipelines/value) reads: the snapshot's customers and their
    # completed orders, `frequency` per customer, 30 days apart (too few repeat customers here to
    # fit: null predictions).
    conn.execute("create schema if not exists intermediate")
    conn.execute(
        "create or replace table intermediate.int_customers_cleaned as "
        "select customer_id from marts.dim_customers"
    )
    conn.execute(
        "create or replace table intermediate.int_orders_outliers_flagged as select customer_id, "
        "customer_id || '-' || n as order_id, true as is_completed, "
        "cast($d - 30 * n as timestamp) as ordered_at, $d - 30 * n as order_date, "
        "cast(50 * n as decimal(18, 2)) as amount "
        "from marts.dim_customers, (select cast(range as integer) as n from range(1, 4)) as orders "
        "where n <= frequency",
        {"d": as_of},
    )
    conn.execute(
        "create or replace table marts.fct_campaign_sends (snapshot_date date, customer_id varchar, "
        "campaign_id varchar, sends integer, first_sent_date date)"
    )
    if campaign_sends:
        conn.executemany(
            "insert into marts.fct_campaign_sends values (?, ?, ?, 1, ?)",
            [[as_of, cid, campaign, as_of] for cid, campaign in campaign_sends],
        )
    conn.execute(
        "create or replace table staging.stg_crm__customers "
        "(customer_id varchar, customer_name varchar, email varchar, phone varchar)"
    )
    conn.executemany(
        "insert into staging.stg_crm__customers values (?, ?, ?, ?)",
        [[cid, *contact(cid)] for cid, _ in customers],
    )


class HistoryBuildError(RuntimeError):
    """The dbt history build failed (a history test, e.g. the row-drop guard, or an error)."""


def build_quarter(
    warehouse: Path,
    as_of: date,
    segments: Mapping[str, str],
    extra_tag_rows: int = 0,
    salt: str = "salt",
    change_marts: str | None = None,
    quarter_orders: Mapping[str, tuple[int, float]] | None = None,
    holdout_shares: Mapping[str, float] | None = None,
    campaign_sends: list[tuple[str, str]] | None = None,
) -> str:
    """Write the marts of `as_of` (then run `change_marts`, SQL, on them) and build its history as a
    run would; returns dbt's output."""
    with duckdb.connect(str(warehouse)) as conn:
        write_marts(conn, as_of, segments, extra_tag_rows, quarter_orders, holdout_shares, campaign_sends)
        if change_marts:
            conn.execute(change_marts)
        write_contacts(conn, as_of, salt)
        build_clusters(conn, as_of, Clusters())
        build_customer_value(conn, as_of, Clv())
        # dim_customers carries the predictions, as int_customers_features joins them in a run.
        conn.execute(
            "create or replace table marts.dim_customers as select customers.*, predicted.p_alive, "
            "predicted.expected_orders_90d, predicted.predicted_clv_12m "
            "from marts.dim_customers as customers left join value.customer_value as predicted "
            "on predicted.snapshot_date = customers.snapshot_date "
            "and predicted.customer_id = customers.customer_id"
        )
        results.write(
            conn,
            as_of,
            f"run-{as_of}",
            [(as_of, "a_check", "marts/dim_customers", True, "blocking", "{}", "held")],
        )
    succeeded, output = dbt_in_process(HISTORY_BUILD, warehouse, as_of)
    if not succeeded:
        raise HistoryBuildError(output[-4000:])
    return output
