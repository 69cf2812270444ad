"""The warning checks as functions of a warehouse (the clean run's, with crafted history or load
audit): each fires beyond its configured bound and stays quiet within it, compares with the snapshot
right before the one judged (in history.segment_summary, no side table), and passes with a note when
there is nothing to compare with."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg
import duckdb
import pytest

from pipelines.config import Quality
from pipelines.extract.sources import CRM_CUSTOMERS, ORDERS
from pipelines.quality import checks
from tests.quality.conftest import CLEAN

EARLIER, OLDEST, LATER = date(2025, 6, 30), date(2025, 3, 31), date(2025, 12, 31)
PUBLISHED = dg.AssetKey(["published", "segments"])


def _shares(conn: duckdb.DuckDBPyConnection, snapshot: date = CLEAN.as_of) -> dict[str, float]:
    return dict(
        conn.execute(
            "select segment, customer_share from history.segment_summary where snapshot_date = ?", [snapshot]
        ).fetchall()
    )


def _copy_snapshot(
    conn: duckdb.DuckDBPyConnection,
    to: date,
    shares: dict[str, float] | None = None,
    revenue_factor: float = 1.0,
) -> None:
    """Add snapshot `to` to history.segment_summary: the clean snapshot's rows, with the given
    shares (a segment not in the clean snapshot is added) and revenues scaled; and list it as
    written in history.history_snapshots, as a successful history build does."""
    conn.execute(
        "insert into history.history_snapshots select * replace ($to::date as snapshot_date) "
        "from history.history_snapshots where snapshot_date = $clean",
        {"to": to, "clean": CLEAN.as_of},
    )
    conn.execute(
        "insert into history.segment_summary select * replace "
        "($to::date as snapshot_date, revenue * $factor as revenue) "
        "from history.segment_summary where snapshot_date = $clean",
        {"to": to, "factor": revenue_factor, "clean": CLEAN.as_of},
    )
    for segment, share in (shares or {}).items():
        updated = conn.execute(
            "update history.segment_summary set customer_share = $share "
            "where snapshot_date = $to and segment = $segment returning segment",
            {"share": share, "to": to, "segment": segment},
        ).fetchall()
        if not updated:
            conn.execute(
                "insert into history.segment_summary (snapshot_date, segment, segment_label, customers, "
                "customer_share, revenue) values ($to, $segment, $segment, 1, $share, 0)",
                {"to": to, "segment": segment, "share": share},
            )


def test_the_clean_snapshot_is_the_only_one_in_history(conn: duckdb.DuckDBPyConnection) -> None:
    snapshots = conn.execute("select distinct snapshot_date from history.segment_summary").fetchall()
    assert snapshots == [(CLEAN.as_of,)]


def test_share_drift_warns_when_a_segment_moved_more_than_the_bound(conn: duckdb.DuckDBPyConnection) -> None:
    shares = _shares(conn)
    moved = max(shares, key=shares.get)
    _copy_snapshot(conn, EARLIER, {moved: shares[moved] - 0.15})
    evaluation = checks.segment_share_drift(conn, CLEAN.as_of, Quality(max_segment_share_change_points=10))
    assert not evaluation.passed
    assert evaluation.observed["max_moved_points"] == pytest.approx(15.0)
    assert evaluation.observed["previous_snapshot"] == EARLIER.isoformat()
    assert {row["segment"] for row in evaluation.observed["segments"] if row["moved_points"] > 10} == {moved}
    assert evaluation.summary().startswith("moved_points: found")
    result = evaluation.to_check_result(PUBLISHED, "segment_share_drift", warning=True)
    assert result.severity == dg.AssetCheckSeverity.WARN and not result.passed
    assert result.metadata["max_moved_points"].value == pytest.approx(15.0)
    assert result.metadata["threshold_max_segment_share_change_points"].value == 10


def test_share_drift_is_quiet_within_the_bound(conn: duckdb.DuckDBPyConnection) -> None:
    _copy_snapshot(conn, EARLIER, {k: v + 0.01 for k, v in _shares(conn).items()})
    evaluation = checks.segment_share_drift(conn, CLEAN.as_of, Quality(max_segment_share_change_points=2))
    assert evaluation.passed, evaluation.summary()
    assert evaluation.observed["max_moved_points"] == pytest.approx(1.0)
    assert evaluation.note is None


def test_a_segment_that_disappeared_counts_as_moved(conn: duckdb.DuckDBPyConnection) -> None:
    _copy_snapshot(conn, EARLIER, {"retired_segment": 0.3})
    evaluation = checks.segment_share_drift(conn, CLEAN.as_of, Quality(max_segment_share_change_points=10))
    assert not evaluation.passed
    [retired] = [row for row in evaluation.observed["segments"] if row["segment"] == "retired_segment"]
    assert retired["moved_points"] == pytest.approx(30.0) and retired["customer_share"] == 0


def test_drift_compares_with_the_snapshot_right_before(conn: duckdb.DuckDBPyConnection) -> None:
    # an older snapshot and a later one both differ a lot; the one right before is identical
    shares = _shares(conn)
    far = {k: min(v + 0.3, 1.0) for k, v in shares.items()}
    _copy_snapshot(conn, OLDEST, far, revenue_factor=0.1)
    _copy_snapshot(conn, EARLIER)
    _copy_snapshot(conn, LATER, far, revenue_factor=10)
    quality = Quality(max_segment_share_change_points=0.001, max_mean_monetary_change=0.0001)
    drift = checks.segment_share_drift(conn, CLEAN.as_of, quality)
    shift = checks.mean_monetary_shift(conn, CLEAN.as_of, quality)
    assert drift.passed and drift.observed["previous_snapshot"] == EARLIER.isoformat()
    assert shift.passed and shift.observed["previous_snapshot"] == EARLIER.isoformat()
    assert shift.observed["relative_change"] == pytest.approx(0.0, abs=1e-12)


def test_mean_monetary_shift_warns_beyond_the_bound(conn: duckdb.DuckDBPyConnection) -> None:
    _copy_snapshot(conn, EARLIER, revenue_factor=0.5)
    evaluation = checks.mean_monetary_shift(conn, CLEAN.as_of, Quality(max_mean_monetary_change=0.25))
    assert not evaluation.passed
    assert evaluation.observed["relative_change"] == pytest.approx(1.0)
    # the mean monetary is the mean over the snapshot's customers
    mean = conn.execute("select avg(monetary)::double from marts.dim_customers").fetchone()[0]
    assert evaluation.observed["mean_monetary"] == pytest.approx(mean, rel=1e-9)
    assert evaluation.observed["previous_mean_monetary"] == pytest.approx(mean / 2, rel=1e-6)
    assert evaluation.failed_expectations == [
        "relative_change: found 1, expected between -0.25 and 0.25 (column_values_to_be_between)"
    ]


def test_mean_monetary_shift_is_quiet_within_the_bound(conn: duckdb.DuckDBPyConnection) -> None:
    _copy_snapshot(conn, EARLIER, revenue_factor=0.9)  # now 11 % above the snapshot before
    evaluation = checks.mean_monetary_shift(conn, CLEAN.as_of, Quality(max_mean_monetary_change=0.25))
    assert evaluation.passed, evaluation.summary()
    assert evaluation.observed["relative_change"] == pytest.approx(1 / 0.9 - 1, rel=1e-3)


def test_first_snapshot_has_nothing_to_compare_and_passes(conn: duckdb.DuckDBPyConnection) -> None:
    quality = Quality(max_segment_share_change_points=0.001, max_mean_monetary_change=0.0001)
    for evaluation in (
        checks.segment_share_drift(conn, CLEAN.as_of, quality),
        checks.mean_monetary_shift(conn, CLEAN.as_of, quality),
    ):
        assert evaluation.passed and evaluation.note == "no previous snapshot to compare with"
        assert evaluation.observed["previous_snapshot"] is None


# --------------------------------------------------------------------------------- load and quarantine


def _add_load(conn: duckdb.DuckDBPyConnection, source: str, read: int, quarantined: int) -> None:
    conn.execute(
        "insert into load_audit by name select $source as source, $read as rows_read, "
        "$read - $quarantined as rows_kept, $quarantined as rows_quarantined, 0 as rows_superseded, "
        "[]::varchar[] as source_files, $at as loaded_at",
        {"source": source, "read": read, "quarantined": quarantined, "at": datetime.now(UTC)},
    )


def _previous_rows_read(conn: duckdb.DuckDBPyConnection, source: str) -> int:
    return conn.execute("select max(rows_read) from load_audit where source = ?", [source]).fetchone()[0]


def test_the_first_load_has_no_previous_load(conn: duckdb.DuckDBPyConnection) -> None:
    evaluation = checks.load_volume_and_quarantine(conn, ORDERS, Quality())
    assert evaluation.passed and evaluation.note == "no previous load"


def test_quarantine_rate_above_the_bound_warns(conn: duckdb.DuckDBPyConnection) -> None:
    previous = _previous_rows_read(conn, ORDERS.name)
    _add_load(conn, ORDERS.name, previous, previous // 5)
    evaluation = checks.load_volume_and_quarantine(conn, ORDERS, Quality(max_quarantine_rate=0.05))
    assert not evaluation.passed
    assert evaluation.observed["quarantine_rate"] == pytest.approx((previous // 5) / previous)
    assert [f.split(":")[0] for f in evaluation.failed_expectations] == ["quarantine_rate"]
    assert evaluation.summary().startswith("quarantine_rate: found 0.2")


def test_volume_change_versus_the_previous_load_warns(conn: duckdb.DuckDBPyConnection) -> None:
    previous = _previous_rows_read(conn, ORDERS.name)
    _add_load(conn, ORDERS.name, previous // 3, 0)
    evaluation = checks.load_volume_and_quarantine(conn, ORDERS, Quality(max_volume_change=0.5))
    assert not evaluation.passed
    assert evaluation.observed["previous_rows_read"] == previous
    assert evaluation.observed["volume_change"] == pytest.approx((previous // 3) / previous - 1)
    assert [f.split(":")[0] for f in evaluation.failed_expectations] == ["volume_change"]


def test_an_empty_source_warns(conn: duckdb.DuckDBPyConnection) -> None:
    _add_load(conn, CRM_CUSTOMERS.name, 0, 0)
    evaluation = checks.load_volume_and_quarantine(conn, CRM_CUSTOMERS, Quality(max_volume_change=2))
    assert not evaluation.passed
    assert evaluation.observed["rows_read"] == 0
    assert "rows_read: found 0, expected >= 1" in evaluation.summary()
