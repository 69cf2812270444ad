"""The quarterly partitions shared by every as-of asset: key = quarter start, as-of = quarter end."""

from __future__ import annotations

import dagster as dg

from pipelines.quarters import Quarter
from pipelines.settings import FIRST_QUARTER_START, TIMEZONE

# A partition exists once its quarter has ended (end_offset=0): the schedule on the first day
# of a quarter therefore always targets the quarter that just ended.
quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1,4,7,10 *",
    start=FIRST_QUARTER_START,
    fmt="%Y-%m-%d",
    timezone=TIMEZONE,
)


def partition_quarter(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> Quarter:
    """The quarter a run's partition key stands for."""
    return Quarter.parse(context.partition_key)
