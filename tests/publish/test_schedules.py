"""The quarterly schedule targets the quarter that just ended, once per quarter."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg
import pytest

from pipelines.schedules import QUARTERLY_CRON, quarter_to_run, quarterly_schedule


@pytest.mark.parametrize(
    "day, partition_key",
    [
        (date(2026, 1, 1), "2025-10-01"),  # the scheduled day: the quarter that ended yesterday
        (date(2026, 4, 1), "2026-01-01"),
        (date(2026, 3, 31), "2025-10-01"),  # the last day of a quarter: that quarter has not ended
        (date(2026, 7, 15), "2026-04-01"),  # a late or manual tick still targets the last complete one
    ],
)
def test_quarter_to_run_is_the_last_complete_quarter(day: date, partition_key: str) -> None:
    assert quarter_to_run(day).partition_key == partition_key


def test_the_tick_on_the_first_of_january_runs_q4_with_the_partition_as_run_key() -> None:
    from pipelines.definitions import defs

    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 1, 1, 2, tzinfo=UTC), repository_def=defs.get_repository_def()
    )
    request = quarterly_schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2025-10-01" and request.run_key == "2025-10-01"


def test_the_schedule_runs_on_the_first_day_of_each_quarter_in_utc() -> None:
    assert QUARTERLY_CRON.split()[2:4] == ["1", "1,4,7,10"]
    assert quarterly_schedule.execution_timezone == "UTC"


def test_definitions_resolve_the_job_schedule_and_publish_assets() -> None:
    from pipelines.definitions import defs

    assert defs.resolve_schedule_def("quarterly_schedule").job_name == "quarterly_segments"
    job = defs.resolve_job_def("quarterly_segments")
    graph = defs.resolve_asset_graph()
    published = dg.AssetKey(["published", "segments"])
    assert published in job.asset_layer.asset_graph.get_all_asset_keys()
    assert graph.get(published).group_name == "publish"
    assert dg.AssetKey(["history", "segment_history"]) in graph.get(published).parent_keys
    # The history guards are dbt tests, hence checks: the gap a warning, the row drop blocking.
    checks = {key.name: graph.get_check_spec(key) for key in graph.asset_check_keys}
    assert not checks["assert_no_missing_segment_snapshot_dates"].blocking
    assert checks["assert_segment_row_count_no_large_drop"].blocking
    # Every check belongs to a quarter.
    assert {spec.partitions_def for spec in checks.values()} == {graph.get(published).partitions_def}


def test_every_multi_asset_with_partitioned_parents_is_subsettable() -> None:
    """Dagster 1.13: a multi-asset that cannot be subset, downstream of partitioned assets, breaks the
    UI's "Materialize all" backfills (HTTP 500). Only the config (a root) may be all-or-nothing."""
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    stuck = set()
    for assets_def in graph.assets_defs:
        keys = set(assets_def.keys)
        parents = {parent for key in keys for parent in graph.get(key).parent_keys} - keys
        if len(keys) > 1 and not assets_def.can_subset and parents:
            stuck |= keys
    assert not stuck
