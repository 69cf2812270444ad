"""The warning checks as functions of a warehouse (the clean run's, with crafted history): each fires
on drift beyond its configured bound and stays quiet within it or without a previous snapshot."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.config import Quality
from pipelines.extract.sources import ORDERS
from pipelines.quality import baselines, evaluate
from tests.quality.conftest import CLEAN

NEXT = date(2025, 12, 31)


@pytest.fixture
def conn(clean_warehouse: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(clean_warehouse, copy)
    with duckdb.connect(str(copy)) as connection:
        yield connection


def _shares(conn: duckdb.DuckDBPyConnection) -> dict[str, float]:
    return dict(conn.execute("select segment, customer_share from marts.fct_segment_summary").fetchall())


def test_share_drift_warns_when_a_segment_moved_more_than_the_bound(conn: duckdb.DuckDBPyConnection) -> None:
    shares = _shares(conn)
    moved = max(shares, key=shares.get)
    baselines.record(conn, CLEAN.as_of, "segment_share", shares | {moved: shares[moved] - 0.15}, "earlier")
    evaluation = evaluate.segment_share_drift(conn, NEXT, Quality(max_segment_share_change_points=10), "run")
    assert not evaluation.passed
    assert evaluation.observed["max_moved_points"] == pytest.approx(15.0)
    assert evaluation.observed["previous_snapshot"] == CLEAN.as_of.isoformat()
    assert "moved_points" in evaluation.summary()
    result = evaluation.to_check_result(warning=True)
    assert result.severity.value == "WARN" and not result.passed
    # recorded as the baseline of the next snapshot
    assert baselines.previous(conn, date(2026, 3, 31), "segment_share") == (NEXT, shares)


def test_share_drift_is_quiet_within_the_bound(conn: duckdb.DuckDBPyConnection) -> None:
    shares = _shares(conn)
    baselines.record(conn, CLEAN.as_of, "segment_share", {k: v + 0.01 for k, v in shares.items()}, "earlier")
    evaluation = evaluate.segment_share_drift(conn, NEXT, Quality(max_segment_share_change_points=2), "run")
    assert evaluation.passed, evaluation.summary()


def test_a_segment_that_disappeared_counts_as_moved(conn: duckdb.DuckDBPyConnection) -> None:
    baselines.record(conn, CLEAN.as_of, "segment_share", _shares(conn) | {"retired_segment": 0.3}, "earlier")
    evaluation = evaluate.segment_share_drift(conn, NEXT, Quality(max_segment_share_change_points=10), "run")
    assert not evaluation.passed
    assert "retired_segment" in {row["segment"] for row in evaluation.observed["segments"]}


def test_mean_monetary_shift_warns_beyond_the_bound(conn: duckdb.DuckDBPyConnection) -> None:
    mean = conn.execute("select avg(monetary)::double from marts.dim_customers").fetchone()[0]
    baselines.record(conn, CLEAN.as_of, "mean_monetary", {"all": mean / 2}, "earlier")
    evaluation = evaluate.mean_monetary_shift(conn, NEXT, Quality(max_mean_monetary_change=0.25), "run")
    assert not evaluation.passed
    assert evaluation.observed["relative_change"] == pytest.approx(1.0)
    within = evaluate.mean_monetary_shift(
        conn, date(2026, 3, 31), Quality(max_mean_monetary_change=0.25), "run"
    )
    assert within.passed  # compared with NEXT, recorded by the call above: no change


def test_first_snapshot_has_nothing_to_compare_and_passes(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("delete from quality_baselines")
    for evaluation in (
        evaluate.segment_share_drift(conn, CLEAN.as_of, Quality(max_segment_share_change_points=0.001), "r"),
        evaluate.mean_monetary_shift(conn, CLEAN.as_of, Quality(max_mean_monetary_change=0.0001), "r"),
    ):
        assert evaluation.passed and evaluation.note == "no previous snapshot to compare with"


def _add_load(conn: duckdb.DuckDBPyConnection, read: int, quarantined: int) -> None:
    conn.execute(
        "insert into load_audit by name select $source as source, $read as rows_read, "
        "$read - $quarantined as rows_kept, $quarantined as rows_quarantined, 0 as rows_superseded, "
        "[]::varchar[] as source_files, $at as loaded_at",
        {"source": ORDERS.name, "read": read, "quarantined": quarantined, "at": datetime.now(UTC)},
    )


def test_quarantine_rate_above_the_bound_warns(conn: duckdb.DuckDBPyConnection) -> None:
    previous = conn.execute("select max(rows_read) from load_audit where source = 'orders'").fetchone()[0]
    _add_load(conn, previous, previous // 5)
    evaluation = evaluate.load_volume_and_quarantine(conn, ORDERS, Quality(max_quarantine_rate=0.05))
    assert not evaluation.passed
    assert evaluation.observed["quarantine_rate"] == pytest.approx(0.2, abs=0.001)
    assert [f.split(":")[0] for f in evaluation.failed_expectations] == ["quarantine_rate"]
    assert evaluation.summary().startswith("quarantine_rate: found 0.2")


def test_volume_change_versus_the_previous_load_warns(conn: duckdb.DuckDBPyConnection) -> None:
    previous = conn.execute("select max(rows_read) from load_audit where source = 'orders'").fetchone()[0]
    _add_load(conn, previous // 3, 0)
    evaluation = evaluate.load_volume_and_quarantine(conn, ORDERS, Quality(max_volume_change=0.5))
    assert not evaluation.passed
    assert evaluation.observed["previous_rows_read"] == previous
    assert evaluation.observed["volume_change"] == pytest.approx(-2 / 3, abs=0.01)
