"""The job that materialises every asset of one quarter, used by the CLI, the schedule and the UI."""

from __future__ import annotations

import dagster as dg

from pipelines.partitions import quarterly_partitions
from pipelines.quality.results import RECORDING_HOOKS

QUARTERLY_JOB = "quarterly_segments"

quarterly_job = dg.define_asset_job(
    name=QUARTERLY_JOB,
    selection=dg.AssetSelection.all(),
    partitions_def=quarterly_partitions,
    description="Extract, transform, check and publish the segmentation of one quarter.",
    # After every step, the run's check results so far go to main.quality_results (failed runs too).
    hooks=RECORDING_HOOKS,
)

defs = dg.Definitions(jobs=[quarterly_job])
