"""`main.quality_results`: one row per snapshot and check, for every check of a run (GX checks, the
extraction's row accounting, dbt tests), written from the run's Dagster events.

A job hook records after every step (success or failure), so the table also holds the results of
a run that failed a blocking check, which is when people need them most. Each recording replaces
the snapshot's rows: a re-run of a quarter replaces what the previous run of that quarter wrote.
After a step that reported no new check result the table is left as it is.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime

import dagster as dg
import duckdb

from pipelines.quality.outcomes import CheckOutcome, run_outcomes
from pipelines.quarters import Quarter

TABLE = "quality_results"
# The columns, in table order, with the description the published file shows for each (their one
# home: pipelines.publish copies the table into history and comments the published columns from here).
COLUMN_DESCRIPTIONS = {
    "snapshot_date": "The snapshot (as-of date, last day of a quarter) the run checked.",
    "check_name": "Name of the quality check (GX suite, extraction row accounting or dbt test).",
    "asset_key": "The asset the check validates (Dagster asset key, slash-separated).",
    "passed": "True when the check passed.",
    "severity": "blocking (a failure fails the run and stops publishing) or warning.",
    "observed": "JSON: the values the check measured.",
    "threshold": "What the observed values had to satisfy (text or JSON).",
    "description": "One line: what failed, or how many expectations held.",
    "run_id": "The Dagster run that executed the check.",
    "checked_at": "When the check reported (else when its result was recorded), UTC.",
}
COLUMNS = tuple(COLUMN_DESCRIPTIONS)
DDL = f"""
create table if not exists {TABLE} (
    snapshot_date date not null,
    check_name varchar not null,
    asset_key varchar not null,
    passed boolean,
    severity varchar not null,
    observed varchar,
    threshold varchar,
    description varchar,
    run_id varchar not null,
    checked_at timestamp with time zone
)
"""


def rows(outcomes: Sequence[CheckOutcome], snapshot: date, run_id: str) -> list[tuple]:
    """The table rows of a run's outcomes (only checks that reported; see the gate for the others)."""
    now = datetime.now(UTC)
    return [
        (
            snapshot,
            o.check_name,
            o.asset,
            o.passed,
            o.severity,
            json.dumps(o.observed, default=str, ensure_ascii=False),
            o.threshold,
            o.description,
            run_id,
            o.checked_at or now,
        )
        for o in outcomes
        if o.evaluated
    ]


def write(conn: duckdb.DuckDBPyConnection, snapshot: date, run_id: str, table_rows: Sequence[tuple]) -> None:
    """Replace the snapshot's rows by this run's, in one transaction."""
    conn.execute(DDL)
    conn.execute("begin transaction")
    try:
        conn.execute(f"delete from {TABLE} where snapshot_date = ?", [snapshot])
        if table_rows:
            marks = ", ".join("?" * len(COLUMNS))
            conn.executemany(f"insert into {TABLE} ({', '.join(COLUMNS)}) values ({marks})", list(table_rows))
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise


def record_run(
    instance: dg.DagsterInstance,
    run_id: str,
    conn: duckdb.DuckDBPyConnection,
    outcomes: Sequence[CheckOutcome] | None = None,
) -> int:
    """Write the quality_results rows of a partitioned run (so far); returns the number of rows.

    `outcomes` are the run's, when the caller has just read them (`run_outcomes`).
    """
    run = instance.get_run_by_id(run_id)
    partition = run.tags.get("dagster/partition") if run else None
    if partition is None:
        return 0
    snapshot = Quarter.parse(partition).as_of
    outcomes = run_outcomes(instance, run_id) if outcomes is None else outcomes
    table_rows = rows(outcomes, snapshot, run_id)
    write(conn, snapshot, run_id, table_rows)
    return len(table_rows)


# What this process last wrote, for its latest run only: the checks that had reported and their
# verdicts. A step that reported no check (an extraction, history, publishing) then costs one
# event-log read.
_last_recorded: dict[str, tuple] = {}


def _record(context: dg.HookContext) -> None:
    outcomes = run_outcomes(context.instance, context.run_id)
    reported = tuple((o.asset, o.check_name, o.passed) for o in outcomes if o.evaluated)
    if _last_recorded.get(context.run_id) == reported:
        context.log.debug(f"quality_results: no new check result after step {context.step_key}")
        return
    with context.resources.warehouse.connect() as conn:
        count = record_run(context.instance, context.run_id, conn, outcomes)
    _last_recorded.clear()
    _last_recorded[context.run_id] = reported
    context.log.debug(f"quality_results: {count} check results of run {context.run_id} recorded")


@dg.success_hook(required_resource_keys={"warehouse"})
def record_quality_results(context: dg.HookContext) -> None:
    """After every successful step: (re)write this run's rows of quality_results."""
    _record(context)


@dg.failure_hook(required_resource_keys={"warehouse"})
def record_quality_results_on_failure(context: dg.HookContext) -> None:
    """After every failed step (a blocking check that failed, a failed dbt build): the same."""
    _record(context)


RECORDING_HOOKS = {record_quality_results, record_quality_results_on_failure}
