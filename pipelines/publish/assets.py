"""The publish asset: what BI tools read, brought up to date with history, once the quarter passed.

`published/segments` depends on every history asset, so Dagster runs it only after the quarter's
extraction checks, dbt tests and history guards passed (a failed blocking check upstream leaves it
unexecuted, and the previous published file as it was). In its step it evaluates the drift warnings
(reading history), writes the run's check results to quality_results, publishes, then writes the
quarterly HTML report from the published file (`pipelines/report`).
"""

from collections.abc import Iterator
from datetime import date, timedelta

import dagster as dg

from pipelines.config import load_config
from pipelines.history.contacts import CONTACTS
from pipelines.partitions import QUARTERLY, partition_quarter, tag_run
from pipelines.publish.publisher import PublishResult, publish
from pipelines.publish.report import lift_table, migration_matrix, row_count_table, share_table
from pipelines.quality import checks, results
from pipelines.quarters import Quarter
from pipelines.report.writer import ReportResult, write_report
from pipelines.resources import Warehouse
from pipelines.settings import TIMEZONE
from pipelines.transform.dbt import built_manifest, dbt_history

PUBLISHED = dg.AssetKey(["published", "segments"])
DRIFT_CHECKS = {
    "segment_share_drift": checks.segment_share_drift,
    "mean_monetary_shift": checks.mean_monetary_shift,
}
# Freshness: the schedule runs at 02:00 on day 1 of a quarter; by 06:00 on day 2 the publish must
# have happened (a materialization within the 28 hours before that deadline).
PUBLISH_FRESHNESS = dg.FreshnessPolicy.cron(
    deadline_cron="0 6 2 1,4,7,10 *", lower_bound_delta=timedelta(hours=28), timezone=TIMEZONE
)
SHARES_SQL = """
select segment, segment_label, customers, customer_share, revenue_share,
    mean_r_score, mean_f_score, mean_m_score
from history.segment_summary where snapshot_date = ? order by customers desc
"""
MOVES_SQL = """
select from_segment, to_segment, customers, from_snapshot
from history.segment_migration where to_snapshot = ?
"""
# The outcomes this quarter's data decided: those of the snapshot before, in the quarter just run.
LIFTS_SQL = """
select segment,
    max(customers) filter (where "group" = 'treated') as treated,
    max(customers) filter (where "group" = 'holdout') as holdout,
    max(repurchase_rate) filter (where "group" = 'treated') as treated_rate,
    max(repurchase_rate) filter (where "group" = 'holdout') as holdout_rate,
    max(lift) as lift, max(lift_ci_low) as lift_ci_low, max(lift_ci_high) as lift_ci_high,
    max(snapshot_date) as snapshot_date
from history.segment_outcomes where outcome_snapshot = ?
group by segment order by segment
"""


@dg.asset(
    key=PUBLISHED,
    deps=[*dbt_history.keys, CONTACTS],
    **QUARTERLY,
    check_specs=checks.drift_check_specs(PUBLISHED),
    freshness_policy=PUBLISH_FRESHNESS,
    group_name="publish",
    kinds={"duckdb", "parquet"},
    pool="duckdb",
)
def published_segments(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """The segmentation history BI tools read: `published/segments.duckdb` and its Parquet mirror."""
    tag_run(context)
    quarter = partition_quarter(context)
    paths = warehouse.paths()
    config = load_config()
    quality = config.quality
    with warehouse.connect() as conn:
        drift = [
            evaluate(conn, quarter.as_of, quality).to_check_result(PUBLISHED, name, warning=True)
            for name, evaluate in DRIFT_CHECKS.items()
        ]
        recorded = results.rows(results.run_evaluations(context.instance, context.run_id), quarter.as_of)
        recorded += [results.row(quarter.as_of, result, blocking=False) for result in drift]
        results.write(conn, quarter.as_of, context.run_id, recorded)
        result = publish(
            conn, paths.published_dir, context.run_id, context.log.info, built_manifest(paths.data_dir)
        )
        shares = conn.execute(SHARES_SQL, [quarter.as_of]).fetchall()
        moves = conn.execute(MOVES_SQL, [quarter.as_of]).fetchall()
        lifts = conn.execute(LIFTS_SQL, [quarter.as_of]).fetchall()
    context.log.info(
        f"Published {len({e.snapshot_date for e in result.entries})} snapshots to {result.database} in "
        f"{result.seconds:.1f}s ({len(result.written)} files written, {result.files_deleted} old deleted)"
    )
    if result.undocumented_columns:
        context.log.warning(
            "Columns published without a description (describe them in the dbt YAML of the model or "
            f"source): {', '.join(result.undocumented_columns)}"
        )
    report = write_report(result.database, quarter.as_of, config.display_language, context.log.info)
    context.log.info(
        f"Report: {len(report.written)} pages written to {report.directory} in {report.seconds:.1f}s"
    )
    metadata = (
        _publish_metadata(result, quarter, shares, moves)
        | {"strategy_lift": dg.MetadataValue.md(lift_table(lifts))}
        | _report_metadata(report)
    )
    yield dg.MaterializeResult(metadata=metadata)
    yield from drift


def _publish_metadata(
    result: PublishResult, quarter: Quarter, shares: list[tuple], moves: list[tuple]
) -> dict[str, object]:
    this = [e for e in result.entries if e.table == "segment_history" and e.snapshot_date == quarter.as_of]
    before: date | None = moves[0][3] if moves else None
    return {
        "dagster/row_count": sum(entry.rows for entry in this),
        "published_file": dg.MetadataValue.path(str(result.database)),
        "parquet_mirror": dg.MetadataValue.path(str(result.parquet_dir)),
        "snapshot_date": quarter.as_of.isoformat(),
        "snapshots_published": len({e.snapshot_date for e in result.entries if e.table == "segment_history"}),
        "row_counts": dg.MetadataValue.md(row_count_table(result.entries, quarter.as_of)),
        "segment_shares": dg.MetadataValue.md(share_table(shares)),
        "segment_migration": dg.MetadataValue.md(migration_matrix([m[:3] for m in moves], before)),
        "files_written": len(result.written),
        "publish_id": result.publish_id,
        "publish_seconds": round(result.seconds, 2),
        "undocumented_columns": result.undocumented_columns,
    }


def _report_metadata(report: ReportResult) -> dict[str, object]:
    return {
        "report": dg.MetadataValue.url(report.page.as_uri()),
        "report_file": dg.MetadataValue.path(str(report.page)),
        "report_index": dg.MetadataValue.path(str(report.index)),
        "report_pages_written": len(report.written) - 1,
        "report_seconds": round(report.seconds, 2),
    }


defs = dg.Definitions(assets=dg.with_source_code_references([published_segments]))
