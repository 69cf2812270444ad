"""The quarterly partitions shared by every as-of asset: key = quarter start, as-of = quarter end."""

from __future__ import annotations

import dagster as dg

from pipelines.quarters import Quarter
from pipelines.settings import TIMEZONE, first_quarter


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


def first_partition_quarter() -> Quarter:
    """The first quarter of the partitions (`SEGMENTS_FIRST_QUARTER`, default 1990Q1)."""
    text = first_quarter()
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise ValueError(f"SEGMENTS_FIRST_QUARTER: {exc}") from None


# Read when the code location loads (Dagster needs the partitions then); a UI for data that starts
# late lists fewer quarters with SEGMENTS_FIRST_QUARTER set (README, Configuration).
quarterly_partitions = build_quarterly_partitions(first_partition_quarter())


def partition_quarter(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> Quarter:
    """The quarter a run's partition key stands for."""
    return Quarter.parse(context.partition_key)
