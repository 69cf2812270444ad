"""The quarterly partitions shared by every as-of asset: key = quarter start, as-of = quarter end."""

from __future__ import annotations

import dagster as dg

from pipelines.quarters import Quarter, first_partition_quarter
from pipelines.settings import TIMEZONE


def build_quarterly_partitions(first: Quarter) -> dg.TimeWindowPartitionsDefinition:
    """Quarters from `first` to the last one that has ended.

    A partition exists once its quarter has ended (end_offset=0): the schedule on the first day of a
    quarter therefore always targets the quarter that just ended.
    """
    return dg.TimeWindowPartitionsDefinition(
        cron_schedule="0 0 1 1,4,7,10 *",
        start=first.partition_key,
        fmt="%Y-%m-%d",
        timezone=TIMEZONE,
    )


# Read when the code location loads (Dagster needs the partitions then); a UI for data that starts
# late lists fewer quarters with SEGMENTS_FIRST_QUARTER set (README, Configuration).
quarterly_partitions = build_quarterly_partitions(first_partition_quarter())
# How every as-of asset is partitioned: by quarter, one quarter per run (a ranged run would give dbt
# no single as-of date). One policy for all, so that a backfill from the asset graph makes one run
# per quarter instead of splitting the quarter's assets by policy.
QUARTERLY = {"partitions_def": quarterly_partitions, "backfill_policy": dg.BackfillPolicy.multi_run(1)}


def partition_quarter(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> Quarter:
    """The quarter a run's partition key stands for."""
    return Quarter.parse(context.partition_key)


QUARTER_TAG = "segments/quarter"
LAUNCHED_BY_TAG = "segments/launched_by"


def launched_by(tags: dict[str, str]) -> str:
    """Who started a run, from the tags Dagster and `segments` put on it."""
    if tags.get(LAUNCHED_BY_TAG):
        return tags[LAUNCHED_BY_TAG]
    if "dagster/schedule_name" in tags:
        return "schedule"
    if tags.get("dagster/from_ui") == "true":
        return "ui"
    return "api"


def tag_run(context: dg.AssetExecutionContext) -> None:
    """Tag the run with its quarter (`2025Q4`) and who launched it (cli, schedule, ui), however it was
    started: job runs, backfills and materialisations from the asset graph alike."""
    tags = context.run.tags
    wanted = {QUARTER_TAG: str(partition_quarter(context)), LAUNCHED_BY_TAG: launched_by(tags)}
    missing = {key: value for key, value in wanted.items() if tags.get(key) != value}
    if missing:
        context.instance.add_run_tags(context.run_id, missing)
