"""The published tables and the columns each must hold (CONTRACT sections 5 and 6), as the tests read them."""

import duckdb

TABLES = (
    "segment_history",
    "customer_segments",
    "tag_history",
    "customer_tags",
    "tag_catalog",
    "segment_summary",
    "segment_migration",
    "rfm_calibration",
    "quality_results",
    # section 6: segment insight
    "segment_catalog",
    "segment_profiles",
    "segment_portraits",
    "segment_samples",
    "segment_validation",
    "customer_clusters",
    "cluster_profiles",
    "cluster_segment_crosstab",
    # section 6: measured effects
    "segment_outcomes",
    "campaign_outcomes",
    "clv_models",
    "clv_backtest",
)
CONTRACT_COLUMNS = {
    "segment_history": {
        "snapshot_date",
        "customer_id",
        "customer_type",
        "recency_days",
        "frequency",
        "monetary",
        "avg_order_value",
        "r_score",
        "f_score",
        "m_score",
        "rfm_cell",
        "rfm_segment",
        "segment",
        "segment_label",
        "value_tier",
        "lifecycle_stage",
        "churn_risk",
        "complaint_risk",
        "strategy",
        "r_percentile",
        "f_percentile",
        "m_percentile",
        "cluster_id",
        "in_holdout",
        "quarter_orders",
        "quarter_revenue",
        "p_alive",
        "expected_orders_90d",
        "predicted_clv_12m",
    },
    "customer_segments": {
        "snapshot_date",
        "customer_id",
        "segment",
        "name_masked",
        "phone_masked",
        "contact_hash",
        "cluster_id",
        "in_holdout",
        "p_alive",
        "expected_orders_90d",
        "predicted_clv_12m",
    },
    "tag_history": {"snapshot_date", "customer_id", "tag_code", "tag_level1", "tag_level2", "tag_value"},
    "customer_tags": {"customer_id", "tag_code", "tag_level1", "tag_level2", "tag_value"},
    "tag_catalog": {"tag_code", "tag_level1", "tag_level2", "tag_value", "definition", "data_source", "rule"},
    "segment_summary": {
        "snapshot_date",
        "segment",
        "customers",
        "customer_share",
        "revenue",
        "revenue_share",
        "mean_r_score",
        "mean_f_score",
        "mean_m_score",
    },
    "segment_migration": {"from_snapshot", "to_snapshot", "from_segment", "to_segment", "customers"},
    "rfm_calibration": {"snapshot_date", "metric", "score", "lower_bound", "upper_bound"},
    "quality_results": {"snapshot_date", "check_name", "passed", "severity", "observed"},
    "segment_catalog": {
        "segment",
        "segment_order",
        "label_zh",
        "label_en",
        "description_zh",
        "description_en",
        "rule",
        "strategy_zh",
        "strategy_en",
        "owner",
    },
    "segment_profiles": {
        "snapshot_date",
        "segment",
        "dimension",
        "value",
        "customers",
        "share_in_segment",
        "share_in_population",
        "lift",
        "median",
        "p25",
        "p75",
    },
    "segment_portraits": {"snapshot_date", "segment", "portrait_zh", "portrait_en"},
    "segment_samples": {"snapshot_date", "segment", "customer_id", "name_masked", "phone_masked"},
    "segment_validation": {"snapshot_date", "measure", "feature", "value"},
    "customer_clusters": {"snapshot_date", "customer_id", "cluster_id"},
    "cluster_profiles": {
        "snapshot_date",
        "cluster_id",
        "customers",
        "recency_days",
        "frequency",
        "monetary",
        "label_zh",
        "label_en",
    },
    "segment_outcomes": {
        "snapshot_date",
        "segment",
        "group",
        "customers",
        "repurchase_rate",
        "orders_per_customer",
        "revenue_per_customer",
        "share_moved_better",
        "share_same",
        "share_moved_worse",
        "share_churned",
        "lift",
        "lift_ci_low",
        "lift_ci_high",
    },
    "cluster_segment_crosstab": {
        "snapshot_date",
        "cluster_id",
        "segment",
        "customers",
        "share_of_cluster",
        "share_of_segment",
    },
    "clv_models": {
        "snapshot_date",
        "model",
        "r",
        "alpha",
        "a",
        "b",
        "p",
        "q",
        "v",
        "log_likelihood",
        "converged",
        "sample_size",
        "message",
    },
}


def undescribed(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables, views and columns of schemas main and meta without a (non-empty) comment: BI tools
    show the comments as descriptions, so the published file must have none of these."""
    return [
        row[0]
        for row in conn.execute(
            """
            select kind || ' ' || schema_name || '.' || name
            from (
                select 'table' as kind, schema_name, table_name as name, comment from duckdb_tables()
                where database_name = current_database()
                union all
                select 'view', schema_name, view_name, comment from duckdb_views()
                where database_name = current_database() and not internal
                union all
                select 'column', schema_name, table_name || '.' || column_name, comment from duckdb_columns()
                where database_name = current_database()
            )
            where schema_name in ('main', 'meta') and coalesce(trim(comment), '') = ''
            order by all
            """
        ).fetchall()
    ]
