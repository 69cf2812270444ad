"""`main.quality_results`: one row per snapshot and check, the latest result of each check for that
quarter (GX checks, row accounting, dbt tests), written once per run from the run's check results.

A run that publishes writes them in its publish step (the published file then carries them); a run
that fails is recorded when it ends: by `segments run` itself, or by `record_failed_runs`, a sensor
the Dagster daemon evaluates for runs launched from the UI or the schedule. Rewriting a quarter's
rows replaces what earlier runs of that quarter wrote for the same checks. Columns are documented with the dbt
source `quality.quality_results` (dbt_project/models/history/_history__sources.yml).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

import dagster as dg
import duckdb

from pipelines.quarters import Quarter

DDL = """
create table if not exists main.quality_results (
    snapshot_date date not null,
    check_name varchar not null,
    asset_key varchar not null,
    passed boolean,
    severity varchar not null,
    observed varchar,
    description varchar,
    run_id varchar not null,
    checked_at timestamp with time zone
)
"""
COLUMNS = ("snapshot_date", "check_name", "asset_key", "passed", "severity", "observed", "description")


def row(snapshot: date, check: dg.AssetCheckEvaluation | dg.AssetCheckResult, blocking: bool) -> tuple:
    """The table row of one check result."""
    return (
        snapshot,
        check.check_name,
        check.asset_key.to_user_string(),
        check.passed,
        "blocking" if blocking and check.severity == dg.AssetCheckSeverity.ERROR else "warning",
        json.dumps(
            {k: getattr(v, "value", v) for k, v in check.metadata.items()}, default=str, ensure_ascii=False
        ),
        check.description,
    )


def rows(evaluations: Iterable[dg.AssetCheckEvaluation], snapshot: date) -> list[tuple]:
    """The table rows of a run's check evaluations (the latest per check, should one be retried)."""
    latest = {(e.asset_key, e.check_name): e for e in evaluations}
    return [row(snapshot, e, e.blocking) for e in latest.values()]


def run_evaluations(instance: dg.DagsterInstance, run_id: str) -> list[dg.AssetCheckEvaluation]:
    """The check results a run reported so far, oldest first."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
    ).records
    return [record.event_log_entry.dagster_event.event_specific_data for record in records]


def write(conn: duckdb.DuckDBPyConnection, snapshot: date, run_id: str, table_rows: Sequence[tuple]) -> None:
    """Replace the snapshot's rows of the checks this run reported, in one transaction (a run that
    evaluated only some checks, e.g. a re-publish, leaves the others' latest results alone)."""
    conn.execute(DDL)
    now = datetime.now(UTC)
    conn.execute("begin transaction")
    try:
        conn.execute(
            "create or replace temp table _run_results as select * from main.quality_results limit 0"
        )
        if table_rows:
            conn.executemany(
                f"insert into _run_results ({', '.join(COLUMNS)}, run_id, checked_at) "
                f"values ({', '.join('?' * len(COLUMNS))}, ?, ?)",
                [[*row, run_id, now] for row in table_rows],
            )
        conn.execute(
            "delete from main.quality_results where snapshot_date = ? and (asset_key, check_name) in "
            "(select (asset_key, check_name) from _run_results)",
            [snapshot],
        )
        conn.execute("insert into main.quality_results select * from _run_results")
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise


def record_run(instance: dg.DagsterInstance, run: dg.DagsterRun, conn: duckdb.DuckDBPyConnection) -> int:
    """Write the quality_results rows of a partitioned run; returns the number of rows."""
    # An asset backfill's runs carry a range of one quarter instead of a partition tag.
    start, end = (run.tags.get(f"dagster/asset_partition_range_{side}") for side in ("start", "end"))
    partition = run.tags.get("dagster/partition") or (start if start == end else None)
    if partition is None:
        return 0
    table_rows = rows(run_evaluations(instance, run.run_id), Quarter.parse(partition).as_of)
    write(conn, Quarter.parse(partition).as_of, run.run_id, table_rows)
    return len(table_rows)


@dg.run_failure_sensor(
    name="record_failed_runs",
    description="Writes the check results of a failed quarterly run to quality_results.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def record_failed_runs(context: dg.RunFailureSensorContext) -> None:
    """A failed run never reaches its publish step, which records the runs that succeed."""
    from pipelines.resources import Warehouse

    with Warehouse().connect() as conn:
        count = record_run(context.instance, context.dagster_run, conn)
    context.log.info(f"quality_results: {count} check results of run {context.dagster_run.run_id}")
