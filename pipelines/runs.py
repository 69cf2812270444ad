"""Running quarters through Dagster in-process, against the persistent instance in the data dir."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from pipelines import settings
from pipelines.quarters import Quarter

DAGSTER_YAML = """\
# Persistent instance of the segmentation pipeline (written by `segments`).
telemetry:
  enabled: false
concurrency:
  pools:
    # DuckDB allows one writer per file: at most one step touching it at a time.
    default_limit: 1
"""


def prepare_instance_home() -> Path:
    """Point DAGSTER_HOME at the data dir (unless set) and make sure it holds a dagster.yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.paths().dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def step_failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """'<step>: <root cause>' for every failed step, and failed blocking checks."""
    messages = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            # Dagster wraps the user's exception; report the user's, not the wrapper or its causes.
            while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
                error = error.cause
            messages.append(f"{event.step_key}: {error.message.strip()}")
    return messages


def run_quarters(quarters: Sequence[Quarter]) -> bool:
    """Run the quarterly job for each quarter in order; stop at the first failure."""
    from pipelines.definitions import defs
    from pipelines.jobs import QUARTERLY_JOB

    home = prepare_instance_home()
    job = defs.resolve_job_def(QUARTERLY_JOB)
    with dg.DagsterInstance.get() as instance:
        for quarter in quarters:
            started = time.monotonic()
            print(f"segments: running {quarter} (as of {quarter.as_of}, partition {quarter.partition_key})")
            result = job.execute_in_process(
                partition_key=quarter.partition_key, instance=instance, raise_on_error=False
            )
            elapsed = time.monotonic() - started
            if not result.success:
                print(f"segments: {quarter} FAILED after {elapsed:.1f}s (run {result.run_id})",
                      file=sys.stderr)
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
