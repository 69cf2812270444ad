"""What the report shows, aggregated by DuckDB from the published file: only small frames reach Python.

Every function takes a read-only connection to `published/segments.duckdb` (what BI tools see) and
returns a frame of at most a few hundred rows, whatever the number of customers.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

SQL_DIR = Path(__file__).parent / "sql"
RFM_METRICS = ("recency_days", "frequency", "monetary")
HISTOGRAM_BINS = 40
# Origins and destinations of segment_migration that are not segments.
MIGRATION_MARGINS = {
    "newly_registered": ("新注册客户", "Newly registered"),
    "removed": ("已删除客户", "Removed"),
}


@dataclass(frozen=True)
class SegmentNames:
    """Display label and order of every segment code the report meets."""

    labels: dict[str, str]
    order: dict[str, int]

    def label(self, segment: str) -> str:
        return self.labels.get(segment, segment)

    def sort(self, segments: list[str]) -> list[str]:
        """Config order (rule priority); `newly_registered` first, `removed` and unknown codes last."""
        return sorted(segments, key=lambda s: (self.order.get(s, 10_000), s))


def sql(name: str) -> str:
    """The statement in `pipelines/report/sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def frame(conn: duckdb.DuckDBPyConnection, statement: str, params: dict | None = None) -> pd.DataFrame:
    """The result as a frame, DATE columns as `datetime.date` (pandas would make them timestamps)."""
    result = conn.execute(statement, params or {})
    dates = [name for name, kind, *_ in result.description if kind == "DATE"]
    data = result.df()
    for name in dates:
        data[name] = [None if pd.isna(v) else v.date() for v in data[name]]
    return data


def snapshots(conn: duckdb.DuckDBPyConnection) -> list[date]:
    """Every published snapshot, oldest first."""
    return [
        row[0]
        for row in conn.execute("select distinct snapshot_date from segment_summary order by 1").fetchall()
    ]


def segment_names(conn: duckdb.DuckDBPyConnection, language: str) -> SegmentNames:
    """Labels in `language` ('zh' or 'en'): the catalog's, else the latest summary's, else the code."""
    column = "label_zh" if language == "zh" else "label_en"
    summary_column = "segment_label_zh" if language == "zh" else "segment_label_en"
    rows = conn.execute(
        f"""
        with catalog as (select segment, {column} as label, segment_order from segment_catalog),
        summary as (
            select segment, arg_max({summary_column}, snapshot_date) as label
            from segment_summary group by segment
        )
        select coalesce(catalog.segment, summary.segment), coalesce(catalog.label, summary.label),
            catalog.segment_order
        from catalog full outer join summary on catalog.segment = summary.segment
        """
    ).fetchall()
    language_index = 0 if language == "zh" else 1
    labels = {code: names[language_index] for code, names in MIGRATION_MARGINS.items()}
    labels |= {segment: label or segment for segment, label, _ in rows}
    order = {segment: position for segment, _, position in rows if position is not None}
    order |= {"newly_registered": -1, "removed": 10_001}
    return SegmentNames(labels, order)


def segment_trend(conn: duckdb.DuckDBPyConnection, until: date) -> pd.DataFrame:
    """Customers and revenue per segment for every snapshot up to `until`."""
    return frame(
        conn,
        "select snapshot_date, segment, customers, cast(revenue as double) as revenue, customer_share, "
        "revenue_share from segment_summary where snapshot_date <= $until order by snapshot_date, segment",
        {"until": until},
    )


def migration(conn: duckdb.DuckDBPyConnection, snapshot: date) -> pd.DataFrame:
    """Customers from each segment of the snapshot before (rows) to each segment of `snapshot`."""
    return frame(
        conn,
        "select from_snapshot, from_segment, to_segment, customers from segment_migration "
        "where to_snapshot = $snapshot order by from_segment, to_segment",
        {"snapshot": snapshot},
    )


def rfm_histogram(conn: duckdb.DuckDBPyConnection, snapshot: date) -> pd.DataFrame:
    """Customers per value bin of recency, frequency and monetary (see sql/rfm_histogram.sql)."""
    return frame(conn, sql("rfm_histogram"), {"snapshot": snapshot, "bins": HISTOGRAM_BINS})


def without_value(conn: duckdb.DuckDBPyConnection, snapshot: date) -> dict[str, int]:
    """Customers left out of each histogram: no completed order ever (R), none in the window (F, M)."""
    row = conn.execute(
        "select count(*) filter (recency_days is null), count(*) filter (coalesce(frequency, 0) = 0), "
        "count(*) filter (coalesce(monetary, 0) = 0) from segment_history where snapshot_date = $snapshot",
        {"snapshot": snapshot},
    ).fetchone()
    return dict(zip(RFM_METRICS, row, strict=True))


def cut_points(conn: duckdb.DuckDBPyConnection, snapshot: date) -> pd.DataFrame:
    """The calibration of `snapshot`: value range and customers of each score per metric."""
    return frame(
        conn,
        "select metric, score, cast(lower_bound as double) as lower_bound, "
        "cast(upper_bound as double) as upper_bound, customers, scoring_mode from rfm_calibration "
        "where snapshot_date = $snapshot "
        "order by list_position(['recency_days', 'frequency', 'monetary'], metric), metric, score",
        {"snapshot": snapshot},
    )


def portraits(conn: duckdb.DuckDBPyConnection, snapshot: date) -> pd.DataFrame:
    """Per segment: the portrait (zh, en) and key numbers (size, revenue share, mean scores, medians)."""
    return frame(
        conn,
        """
        with medians as (
            select segment,
                any_value(median) filter (dimension = 'recency_days') as median_recency_days,
                any_value(median) filter (dimension = 'frequency') as median_frequency,
                any_value(median) filter (dimension = 'monetary') as median_monetary,
            from segment_profiles
            where snapshot_date = $snapshot and dimension_kind = 'numeric'
            group by segment
        )
        select summary.segment, portraits.portrait_zh, portraits.portrait_en, summary.customers,
            summary.customer_share, summary.revenue_share, summary.mean_r_score, summary.mean_f_score,
            summary.mean_m_score, medians.median_recency_days, medians.median_frequency,
            medians.median_monetary, portraits.median_order_value
        from segment_summary as summary
        left join segment_portraits as portraits
            on summary.snapshot_date = portraits.snapshot_date and summary.segment = portraits.segment
        left join medians on summary.segment = medians.segment
        where summary.snapshot_date = $snapshot
        """,
        {"snapshot": snapshot},
    )


def sample_counts(conn: duckdb.DuckDBPyConnection, snapshot: date) -> pd.DataFrame:
    """Customers and review samples drawn per segment."""
    return frame(
        conn,
        "select summary.segment, summary.customers, count(samples.customer_id) as samples "
        "from segment_summary as summary left join segment_samples as samples "
        "on summary.snapshot_date = samples.snapshot_date and summary.segment = samples.segment "
        "where summary.snapshot_date = $snapshot group by all",
        {"snapshot": snapshot},
    )


def quality(conn: duckdb.DuckDBPyConnection, snapshot: date) -> pd.DataFrame:
    """The checks `snapshot` was published with, failures first."""
    return frame(
        conn,
        "select check_name, asset_key, passed, severity, description from quality_results "
        "where snapshot_date = $snapshot order by passed, severity, asset_key, check_name",
        {"snapshot": snapshot},
    )


def cluster_crosstab(conn: duckdb.DuckDBPyConnection, snapshot: date, language: str) -> pd.DataFrame:
    """Customers per k-means cluster (labelled) and business segment."""
    label = "label_zh" if language == "zh" else "label_en"
    return frame(
        conn,
        f"select crosstab.cluster_id, profiles.{label} as cluster_label, crosstab.segment, "
        "crosstab.customers, crosstab.share_of_cluster, crosstab.share_of_segment "
        "from cluster_segment_crosstab as crosstab left join cluster_profiles as profiles "
        "on crosstab.snapshot_date = profiles.snapshot_date and crosstab.cluster_id = profiles.cluster_id "
        "where crosstab.snapshot_date = $snapshot order by crosstab.cluster_id, crosstab.segment",
        {"snapshot": snapshot},
    )


def cluster_profiles(conn: duckdb.DuckDBPyConnection, snapshot: date) -> pd.DataFrame:
    """One row per cluster of `snapshot`: its labels, size and centroid (whatever columns it has)."""
    return frame(
        conn,
        "select * exclude (snapshot_date) from cluster_profiles where snapshot_date = $snapshot "
        "order by cluster_id",
        {"snapshot": snapshot},
    )


def headline(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per snapshot, for the index: customers, revenue, largest segment, checks failed / run."""
    return frame(
        conn,
        """
        with summary as (
            select snapshot_date, sum(customers) as customers, cast(sum(revenue) as double) as revenue,
                arg_max(segment, customers) as largest_segment, max(customer_share) as largest_share,
            from segment_summary group by snapshot_date
        ),
        checks as (
            select snapshot_date, count(*) as checks, count(*) filter (not passed) as failed,
            from quality_results group by snapshot_date
        )
        select summary.*, coalesce(checks.checks, 0) as checks, coalesce(checks.failed, 0) as failed
        from summary left join checks on summary.snapshot_date = checks.snapshot_date
        order by summary.snapshot_date
        """,
    )


def outcomes(conn: duckdb.DuckDBPyConnection, snapshot: date) -> pd.DataFrame:
    """Treated and holdout customers of each segment of `snapshot` and what they did in the next quarter
    (measures null until that quarter is published)."""
    return frame(
        conn,
        'select segment, "group" as customer_group, outcome_snapshot, customers, repurchase_rate, '
        "orders_per_customer, revenue_per_customer, share_moved_better, share_same, share_moved_worse, "
        "share_churned, lift, lift_ci_low, lift_ci_high from segment_outcomes "
        'where snapshot_date = $snapshot order by segment, "group" desc',
        {"snapshot": snapshot},
    )


def lift_trend(conn: duckdb.DuckDBPyConnection, until: date) -> pd.DataFrame:
    """Measured lifts (treated minus holdout repurchase rate, 95 % interval) per segment and snapshot."""
    return frame(
        conn,
        "select snapshot_date, segment, lift, lift_ci_low, lift_ci_high from segment_outcomes "
        "where \"group\" = 'treated' and lift is not null and snapshot_date <= $until "
        "order by snapshot_date, segment",
        {"until": until},
    )


def value_by_segment(conn: duckdb.DuckDBPyConnection, snapshot: date) -> pd.DataFrame:
    """Per segment: customers with a prediction, quantiles and mean of predicted_clv_12m, mean p_alive."""
    return frame(
        conn,
        """
        select segment, count(predicted_clv_12m) as customers,
            quantile_cont(predicted_clv_12m, 0.1) as p10, quantile_cont(predicted_clv_12m, 0.25) as p25,
            quantile_cont(predicted_clv_12m, 0.5) as median, quantile_cont(predicted_clv_12m, 0.75) as p75,
            quantile_cont(predicted_clv_12m, 0.9) as p90, avg(predicted_clv_12m) as mean_clv,
            avg(p_alive) as mean_p_alive, sum(predicted_clv_12m) as total_clv
        from segment_history
        where snapshot_date = $snapshot
        group by segment
        having count(predicted_clv_12m) > 0
        """,
        {"snapshot": snapshot},
    )


def backtest(conn: duckdb.DuckDBPyConnection, snapshot: date) -> pd.DataFrame:
    """Predicted vs actual orders per decile of the prediction (actuals null until the next quarter)."""
    return frame(
        conn,
        "select decile, outcome_snapshot, customers, predicted_orders_per_customer, "
        "actual_orders_per_customer, actual_repurchase_rate, mean_p_alive from clv_backtest "
        "where snapshot_date = $snapshot order by decile",
        {"snapshot": snapshot},
    )
