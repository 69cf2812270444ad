"""The job that materialises every asset of one quarter, used by the CLI, the schedule and the UI."""

from __future__ import annotations

import dagster as dg

from pipelines.quality.results import record_failed_runs

QUARTERLY_JOB = "quarterly_segments"

# Partitioned like every asset it selects (the quarter); the run is tagged with its quarter and
# launcher by its first steps (pipelines.partitions.tag_run), however it was launched.
quarterly_job = dg.define_asset_job(
    name=QUARTERLY_JOB,
    selection=dg.AssetSelection.all(),
    description="Extract, transform, check and publish the segmentation of one quarter.",
)

defs = dg.Definitions(jobs=[quarterly_job], sensors=[record_failed_runs])
