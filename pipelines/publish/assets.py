"""Dagster assets of the history (group `history`) and of BI publishing (group `publish`), per quarter.

history/*        one full copy per quarter in the working warehouse, written after the quality
                 gate, guarded by a gap check (warning) and a row-drop check (blocking)
published/segments  `published/segments.duckdb` and its Parquet mirror, brought up to date with
                 history; blocked while any blocking check of the run fails
"""

from collections.abc import Iterator
from datetime import date, timedelta

import dagster as dg
import duckdb
from dagster_dbt import get_asset_key_for_model

from pipelines.partitions import partition_quarter, quarterly_partitions
from pipelines.publish.guards import (
    MAX_CUSTOMER_DROP,
    large_drops,
    missing_snapshot_dates,
    snapshot_customer_counts,
)
from pipelines.publish.history import HISTORY_TABLES, neighbours, snapshot_dates, write_snapshot
from pipelines.publish.publisher import PublishResult, publish
from pipelines.publish.report import migration_matrix, row_count_table, share_table
from pipelines.publish.resources import Privacy
from pipelines.quality.checks import GATED_ASSETS
from pipelines.quality.gate import raise_if_blocked
from pipelines.quarters import Quarter
from pipelines.resources import Warehouse
from pipelines.settings import TIMEZONE
from pipelines.transform.dbt import dbt_models, mart_docs_manifest

HISTORY_DESCRIPTIONS = {
    "segment_history": "Every quarter's customer segmentation (one row per snapshot date and customer).",
    "tag_history": "Every quarter's customer tags (one row per snapshot date, customer and tag).",
    "rfm_calibration": "The RFM cut points each quarter was scored with (snapshot date x metric x score).",
    "segment_summary": "Size, revenue and mean R/F/M of each segment, per quarter.",
    "tag_catalog": "The tag catalog in force in each quarter.",
    "customer_contacts": "Masked name and phone and the salted contact hash of each quarter's customers.",
    "quality_results": "The quality check results each quarter was published with.",
    "segment_migration": "Customers moving between segments from each quarter to the next one in history.",
}
# The dbt models each history table is made from (lineage; the rows come from the marts).
HISTORY_MODELS = {
    "segment_history": ["dim_customers"],
    "tag_history": ["fct_customer_tags"],
    "rfm_calibration": ["dim_rfm_calibration"],
    "segment_summary": ["fct_segment_summary"],
    "tag_catalog": ["dim_tag_catalog"],
    "customer_contacts": ["stg_crm__customers", "dim_customers"],
}
SEGMENT_HISTORY = dg.AssetKey(["history", "segment_history"])
PUBLISHED = dg.AssetKey(["published", "segments"])
# Freshness: the schedule runs at 02:00 on day 1 of a quarter; by 06:00 on day 2 the publish must
# have happened (a materialization within the 28 hours before that deadline).
PUBLISH_FRESHNESS = dg.FreshnessPolicy.cron(
    deadline_cron="0 6 2 1,4,7,10 *", lower_bound_delta=timedelta(hours=28), timezone=TIMEZONE
)


def _history_deps(table: str) -> list[dg.AssetKey]:
    if table == "segment_migration":
        return [SEGMENT_HISTORY]
    if table == "quality_results":
        # The assets the quality checks validate: depending on them also makes Dagster run their
        # blocking checks before this step, and skip it when one fails.
        return list(GATED_ASSETS)
    return [get_asset_key_for_model([dbt_models], model) for model in HISTORY_MODELS[table]]


@dg.multi_asset(
    name="quarterly_history",
    specs=[
        dg.AssetSpec(
            key=["history", table],
            deps=_history_deps(table),
            description=HISTORY_DESCRIPTIONS[table],
            group_name="history",
            kinds={"duckdb"},
        )
        for table in HISTORY_TABLES
    ],
    partitions_def=quarterly_partitions,
    pool="duckdb",
)
def quarterly_history(
    context: dg.AssetExecutionContext, warehouse: Warehouse, privacy: Privacy
) -> Iterator[dg.MaterializeResult]:
    """Replace the quarter's snapshot in every history table (one transaction), after the quality gate."""
    quarter = partition_quarter(context)
    raise_if_blocked(context, f"history of {quarter}")
    salt, is_default = privacy.resolve_salt()
    if is_default:
        context.log.warning("SEGMENTS_PII_SALT is not set: contact hashes use the development salt")
    with warehouse.connect() as conn:
        written = write_snapshot(conn, quarter.as_of, context.run_id, salt)
    context.log.info(
        f"History of {quarter} (as of {quarter.as_of}) written: {written.rows['segment_history']:,} "
        f"customers, {written.rows['tag_history']:,} tags; history holds {len(written.snapshots)} snapshots"
    )
    for table in HISTORY_TABLES:
        yield dg.MaterializeResult(
            asset_key=["history", table],
            metadata={
                "dagster/row_count": written.rows[table],
                "snapshot_date": quarter.as_of.isoformat(),
                "snapshots_in_history": len(written.snapshots),
                "history_version": written.version,
            },
        )


@dg.asset_check(
    asset=SEGMENT_HISTORY,
    name="assert_no_missing_segment_snapshot_dates",
    description="Every quarter between the first and the last snapshot is in history (else: run it).",
    pool="duckdb",
)
def no_missing_segment_snapshot_dates(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as conn:
        snapshots = [snapshot for snapshot, _ in snapshot_customer_counts(conn)]
    missing = missing_snapshot_dates(snapshots)
    return dg.AssetCheckResult(
        passed=not missing,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "missing_snapshot_dates": [d.isoformat() for d in missing],
            "first_snapshot": snapshots[0].isoformat() if snapshots else "",
            "last_snapshot": snapshots[-1].isoformat() if snapshots else "",
        },
    )


@dg.asset_check(
    asset=SEGMENT_HISTORY,
    name="assert_segment_row_count_no_large_drop",
    description="No snapshot has far fewer customers than the one before (a broken or partial source drop).",
    blocking=True,
    pool="duckdb",
)
def segment_row_count_no_large_drop(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as conn:
        counts = snapshot_customer_counts(conn)
    drops = large_drops(counts)
    return dg.AssetCheckResult(
        passed=not drops,
        metadata={
            "drops": drops,
            "threshold": f"at most {MAX_CUSTOMER_DROP:.0%} fewer customers than the snapshot before",
            "customers_per_snapshot": {d.isoformat(): n for d, n in counts},
        },
    )


@dg.asset(
    key=PUBLISHED,
    deps=[dg.AssetKey(["history", table]) for table in HISTORY_TABLES],
    partitions_def=quarterly_partitions,
    freshness_policy=PUBLISH_FRESHNESS,
    group_name="publish",
    kinds={"duckdb", "parquet"},
    pool="duckdb",
)
def published_segments(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """The segmentation history BI tools read: `published/segments.duckdb` and its Parquet mirror."""
    quarter = partition_quarter(context)
    raise_if_blocked(context, f"publishing {quarter}")
    paths = warehouse.paths()
    published_dir = paths.published_dir
    with warehouse.connect(read_only=True) as conn:
        snapshots = snapshot_dates(conn) if _has_history(conn) else []
        if quarter.as_of not in snapshots:
            raise RuntimeError(
                f"history holds no snapshot {quarter.as_of}: materialize history/* for {quarter} first"
            )
        result = publish(
            conn, published_dir, context.run_id, context.log.info, mart_docs_manifest(paths.data_dir)
        )
        shares = conn.execute(SHARES_SQL, [quarter.as_of]).fetchall()
        before, _ = neighbours(snapshots, quarter.as_of)
        moves = conn.execute(MOVES_SQL, [quarter.as_of]).fetchall()
    context.log.info(
        f"Published {len(snapshots)} snapshots to {result.database} in {result.seconds:.1f}s "
        f"({len(result.written)} files written, {result.files_deleted} old files deleted)"
    )
    if result.undocumented_columns:
        context.log.warning(
            "Columns published without a description (describe them in the dbt model's YAML, or next "
            f"to the SQL that creates them): {', '.join(result.undocumented_columns)}"
        )
    return dg.MaterializeResult(metadata=_publish_metadata(result, quarter, shares, moves, before))


SHARES_SQL = """
select segment, segment_label, customers, customer_share, revenue_share,
    mean_r_score, mean_f_score, mean_m_score
from history.segment_summary where snapshot_date = ? order by customers desc
"""
MOVES_SQL = """
select from_segment, to_segment, customers from history.segment_migration where to_snapshot = ?
"""


def _has_history(conn: duckdb.DuckDBPyConnection) -> bool:
    found = conn.execute(
        "select count(*) from duckdb_tables() where schema_name = 'history' and table_name = 'snapshots'"
    ).fetchone()
    return found[0] > 0


def _publish_metadata(
    result: PublishResult, quarter: Quarter, shares: list[tuple], moves: list[tuple], before: date | None
) -> dict[str, object]:
    this = [e for e in result.entries if e.table == "segment_history" and e.snapshot_date == quarter.as_of]
    return {
        "dagster/row_count": sum(entry.rows for entry in this),
        "published_file": dg.MetadataValue.path(str(result.database)),
        "parquet_mirror": dg.MetadataValue.path(str(result.parquet_dir)),
        "snapshot_date": quarter.as_of.isoformat(),
        "snapshots_published": len({e.snapshot_date for e in result.entries if e.table == "segment_history"}),
        "row_counts": dg.MetadataValue.md(row_count_table(result.entries, quarter.as_of)),
        "segment_shares": dg.MetadataValue.md(share_table(shares)),
        "segment_migration": dg.MetadataValue.md(migration_matrix(moves, before)),
        "files_written": len(result.written),
        "publish_id": result.publish_id,
        "publish_seconds": round(result.seconds, 2),
        "undocumented_columns": result.undocumented_columns,
    }


defs = dg.Definitions(
    assets=[quarterly_history, published_segments],
    asset_checks=[no_missing_segment_snapshot_dates, segment_row_count_no_large_drop],
    resources={"privacy": Privacy()},
)
