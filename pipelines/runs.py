"""Running quarters through Dagster in-process, against the persistent instance in the data dir."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import duckdb

from pipelines import instance_storage, settings
from pipelines.quarters import Quarter

INSTANCE_SETTINGS_YAML = """\
# Persistent instance of the segmentation pipeline (written by `segments`).
telemetry:
  enabled: false
concurrency:
  pools:
    # DuckDB allows one writer per file: at most one step touching it at a time.
    default_limit: 1
  runs:
    # The marts hold one snapshot: runs launched from the UI, the schedule or a backfill go one at
    # a time, in the order they were queued (a job backfill queues its quarters oldest first).
    max_concurrent_runs: 1
"""

# The terminal shows what a step reports (loads, quarantines, check results, warnings, failures) and
# dbt's progress; Dagster's DEBUG line for each of the ~860 events of a quarter stays in the event
# log, which `make dev` shows in full.
CONSOLE_AT_INFO = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def dagster_yaml(home: Path) -> str:
    """The instance's dagster.yaml: the settings above, then its storage (pipelines/instance_storage.py)."""
    return INSTANCE_SETTINGS_YAML + instance_storage.instance_yaml(home)


def prepare_instance_home() -> Path:
    """Point DAGSTER_HOME at the data dir (unless set) and make sure it holds a dagster.yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.paths().dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    config, wanted = home / "dagster.yaml", dagster_yaml(home)
    # Rewrite a dagster.yaml `segments` wrote before (it may predate a setting); keep any other.
    if not config.exists() or (
        config.read_text().startswith(INSTANCE_SETTINGS_YAML.splitlines()[0]) and config.read_text() != wanted
    ):
        config.write_text(wanted)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def failed_checks(result: dg.ExecuteInProcessResult) -> list[str]:
    """'check <name> on <asset>: <what it observed>' for every failed blocking check of the run."""
    return [
        f"check {e.check_name} on {e.asset_key.to_user_string()}: {_observed(e)}"
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]


def _observed(evaluation: dg.AssetCheckEvaluation) -> str:
    """What a failed check saw: its description (GX checks), else the rows a dbt test found."""
    if evaluation.description:
        return evaluation.description
    failed = evaluation.metadata.get("dagster_dbt/failed_row_count")
    return f"{failed.value} failing rows (dbt test)" if failed is not None else "failed"


def step_failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """'<step>: <root cause>' for every failed step, and failed blocking checks."""
    messages = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            # A failed blocking check (or dbt test) is reported below, with what it observed.
            if error.cls_name in (
                "DagsterAssetCheckFailedError",
                "DagsterDbtCliRuntimeError",
            ) and failed_checks(result):
                continue
            # Dagster wraps the user's exception; report the user's, not the wrapper or its causes.
            while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
                error = error.cause
            messages.append(f"{event.step_key}: {error.message.strip()}")
    return messages + failed_checks(result)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_abandoned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Fail the runs whose process died mid-run on this machine, and free their pool slots.

    A run killed in-process (SIGKILL, OOM, power loss) never reports its end: it stays STARTED and
    keeps the `duckdb` pool slot, so every later run would wait for it forever. Its warehouse
    writes were rolled back by DuckDB and its publish never swapped in, so failing it is all there
    is to clean up. Runs of a process that is still alive are left alone.
    """
    released = []
    active = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.CANCELING]
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=active)):
        records = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, limit=20
        ).records
        pids = [
            int(metadata["pid"].value)
            for record in records
            if record.event_log_entry.dagster_event is not None
            and (metadata := record.event_log_entry.dagster_event.engine_event_data.metadata)
            and "pid" in metadata
        ]
        if pids and not _process_alive(pids[-1]):
            instance.report_run_failed(run, f"its process (pid {pids[-1]}) ended without finishing the run")
            released.append(run.run_id)
    # Finished runs hold no slots; a killed one may still (the daemon frees them, the CLI has none).
    storage = instance.event_log_storage
    holding = list(storage.get_concurrency_run_ids()) if storage.supports_global_concurrency_limits else []
    if holding:
        finished = [dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.CANCELED]
        for run in instance.get_runs(filters=dg.RunsFilter(run_ids=holding, statuses=finished)):
            storage.free_concurrency_slots_for_run(run.run_id)
    return released


def run_quarters(quarters: Sequence[Quarter]) -> bool:
    """Run the quarterly job for each quarter in order; stop at the first failure."""
    from pipelines.definitions import defs
    from pipelines.jobs import QUARTERLY_JOB
    from pipelines.partitions import LAUNCHED_BY_TAG
    from pipelines.quality.results import record_run
    from pipelines.resources import Warehouse

    home = prepare_instance_home()
    job = defs.resolve_job_def(QUARTERLY_JOB)
    with dg.DagsterInstance.get() as instance:
        for run_id in release_abandoned_runs(instance):
            print(f"segments: marked run {run_id} failed: its process was killed", file=sys.stderr)
        for quarter in quarters:
            started = time.monotonic()
            print(f"segments: running {quarter} (as of {quarter.as_of}, partition {quarter.partition_key})")
            result = job.execute_in_process(
                partition_key=quarter.partition_key,
                instance=instance,
                raise_on_error=False,
                run_config=CONSOLE_AT_INFO,
                tags={LAUNCHED_BY_TAG: "cli"},
            )
            elapsed = time.monotonic() - started
            if not result.success:
                # A run that publishes records its check results itself; a failed one, here.
                try:
                    with Warehouse().connect() as conn:
                        record_run(instance, result.dagster_run, conn)
                except duckdb.Error as exc:
                    print(f"segments: quality_results not written: {exc}", file=sys.stderr)
                print(
                    f"segments: {quarter} FAILED after {elapsed:.1f}s (run {result.run_id})", file=sys.stderr
                )
                for message in step_failures(result):
                    print(f"  {message}", file=sys.stderr)
                return False
            print(f"segments: {quarter} done in {elapsed:.1f}s (run {result.run_id})")
    paths = settings.paths()
    print(f"segments: warehouse at {paths.warehouse}")
    if paths.published_dir.exists():
        print(f"segments: published tables at {paths.published_dir}")
    print(f"segments: runs recorded in {home} (see them with `make dev`)")
    return True
