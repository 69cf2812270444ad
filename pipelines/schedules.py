"""The quarterly schedule: on the first day of each quarter, run the quarter that just ended.

Each request's `run_key` is the partition key, so a repeated or replayed tick for the same quarter
does not start a second run.
"""

from datetime import UTC, date, datetime

import dagster as dg

from pipelines.jobs import quarterly_job
from pipelines.partitions import LAUNCHED_BY_TAG
from pipelines.quarters import Quarter
from pipelines.settings import TIMEZONE

# 02:00 on 1 Jan/Apr/Jul/Oct: two hours after the quarter closes, so that the last day's
# source drops have landed.
QUARTERLY_CRON = "0 2 1 1,4,7,10 *"


def quarter_to_run(day: date) -> Quarter:
    """The quarter a run on `day` builds: the last one that ended before `day`."""
    return Quarter.latest_complete(day)


@dg.schedule(
    job=quarterly_job,
    cron_schedule=QUARTERLY_CRON,
    execution_timezone=TIMEZONE,
    description="Segment the quarter that just ended, on the first day of the next one.",
)
def quarterly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    # A manual evaluation (e.g. a test tick in the UI without a time) uses the current time.
    scheduled: datetime = context.scheduled_execution_time or datetime.now(UTC)
    partition_key = quarter_to_run(scheduled.date()).partition_key
    return dg.RunRequest(
        run_key=partition_key, partition_key=partition_key, tags={LAUNCHED_BY_TAG: "schedule"}
    )


defs = dg.Definitions(schedules=[quarterly_schedule])
