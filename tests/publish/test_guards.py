"""The history guards as pure functions: gaps between snapshot dates and large drops in customers."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.publish.guards import large_drops, missing_snapshot_dates


@pytest.mark.parametrize(
    "snapshots, missing",
    [
        ([], []),
        ([date(2025, 12, 31)], []),
        ([date(2025, 9, 30), date(2025, 12, 31), date(2026, 3, 31)], []),
        # a quarter skipped in the middle, across a year boundary
        ([date(2025, 9, 30), date(2026, 3, 31)], [date(2025, 12, 31)]),
        # written out of order: order does not matter, only what is there
        ([date(2026, 6, 30), date(2025, 12, 31)], [date(2026, 3, 31)]),
    ],
)
def test_missing_snapshot_dates_finds_skipped_quarters(snapshots: list[date], missing: list[date]) -> None:
    assert missing_snapshot_dates(snapshots) == missing


@pytest.mark.parametrize(
    "counts, drops",
    [
        ([(date(2025, 12, 31), 1000), (date(2026, 3, 31), 1200)], 0),  # growth is normal
        ([(date(2025, 12, 31), 1000), (date(2026, 3, 31), 900)], 0),  # exactly 10% is tolerated
        ([(date(2025, 12, 31), 1000), (date(2026, 3, 31), 899)], 1),  # just beyond it is not
        # every consecutive pair is checked, not only the newest
        ([(date(2025, 9, 30), 1000), (date(2025, 12, 31), 100), (date(2026, 3, 31), 1000)], 1),
        ([(date(2025, 12, 31), 0), (date(2026, 3, 31), 0)], 0),  # no customers yet: nothing to lose
    ],
)
def test_large_drops_flags_snapshots_losing_customers(counts: list[tuple[date, int]], drops: int) -> None:
    messages = large_drops(counts)
    assert len(messages) == drops
    if drops:
        assert "fewer than" in messages[0]
