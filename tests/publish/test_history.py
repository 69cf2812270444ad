"""The history in the warehouse: a quarter is replaced as a whole, atomically, in any order."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.publish import history
from pipelines.publish.history import MartsMismatchError, write_snapshot
from tests.publish.fake_marts import contact, write_marts

Q1, Q2, Q3 = date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30)
# Customers per quarter: C3 registers in Q2, C4 in Q3; C1 moves loyal -> churn_risk.
SEGMENTS = {
    Q1: {"C1": "loyal", "C2": "potential"},
    Q2: {"C1": "loyal", "C2": "loyal", "C3": "potential"},
    Q3: {"C1": "churn_risk", "C2": "loyal", "C3": "potential", "C4": "potential"},
}


def build(conn: duckdb.DuckDBPyConnection, quarters: list[date], **marts: int) -> None:
    for as_of in quarters:
        write_marts(conn, as_of, SEGMENTS[as_of], **marts)
        write_snapshot(conn, as_of, f"run-{as_of}", "salt")


def rows(conn: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def counts(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {
        table: rows(conn, f"select snapshot_date, count(*) from history.{table} group by 1 order by 1")
        for table in (
            "segment_history",
            "tag_history",
            "customer_contacts",
            "segment_summary",
            "rfm_calibration",
        )
    }


def test_rewriting_a_quarter_replaces_it_and_leaves_the_others(tmp_path: Path) -> None:
    # Regression: with more tag rows than one DuckDB row group (122,880), re-running the quarter
    # that created the tables once deleted nothing and doubled it (DuckDB 2.0.0, tables created
    # by `create table as ... limit 0` in the transaction of their first insert).
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        build(conn, [Q1, Q2], extra_tag_rows=130_000)
        before = counts(conn)
        assert before["tag_history"] == [(Q1, 130_002), (Q2, 130_003)]
        versions = dict(rows(conn, "select snapshot_date, version from history.snapshots"))
        build(conn, [Q1], extra_tag_rows=130_000)
        assert counts(conn) == before
        after = dict(rows(conn, "select snapshot_date, version from history.snapshots"))
    assert after[Q2] == versions[Q2] and after[Q1] != versions[Q1]


def test_migrations_do_not_depend_on_the_order_quarters_are_written(tmp_path: Path) -> None:
    migration = "select * from history.segment_migration order by all"
    with duckdb.connect(str(tmp_path / "in_order.duckdb")) as conn:
        build(conn, [Q1, Q2, Q3])
        in_order = rows(conn, migration)
    with duckdb.connect(str(tmp_path / "shuffled.duckdb")) as conn:
        # Q2 arrives last: the Q1 -> Q3 migration written meanwhile must give way to Q1 -> Q2 -> Q3.
        build(conn, [Q3, Q1])
        assert {r[:2] for r in rows(conn, migration)} == {(Q1, Q3)}
        build(conn, [Q2])
        assert rows(conn, migration) == in_order


def test_migration_counts_newly_registered_customers_as_their_own_origin(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        build(conn, [Q2, Q3])
        moves = rows(
            conn, "select from_segment, to_segment, customers from history.segment_migration order by all"
        )
        to_sizes = rows(
            conn, f"select segment, customers from history.segment_summary where snapshot_date = '{Q3}'"
        )
    assert moves == [
        ("loyal", "churn_risk", 1),
        ("loyal", "loyal", 1),
        ("newly_registered", "potential", 1),
        ("potential", "potential", 1),
    ]
    # The destinations add up to the later snapshot's segment sizes.
    arriving: dict[str, int] = {}
    for _, destination, customers in moves:
        arriving[destination] = arriving.get(destination, 0) + customers
    assert arriving == dict(to_sizes)


def test_a_failure_midway_leaves_no_partial_quarter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        build(conn, [Q1])
        before = counts(conn)

        def killed(*args: object) -> int:
            raise RuntimeError("killed")

        monkeypatch.setattr(history, "recompute_migrations", killed)
        with pytest.raises(RuntimeError, match="killed"):
            build(conn, [Q2])
        assert counts(conn) == before


def test_marts_of_another_quarter_are_refused(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        write_marts(conn, Q2, SEGMENTS[Q2])
        with pytest.raises(MartsMismatchError, match="holds snapshot 2026-06-30, not 2026-03-31"):
            write_snapshot(conn, Q1, "run", "salt")
        assert not rows(conn, "select * from duckdb_tables() where schema_name = 'history'")


def test_a_new_mart_column_reaches_history(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        build(conn, [Q1])
        write_marts(conn, Q2, SEGMENTS[Q2])
        conn.execute("alter table marts.dim_customers add column churn_score double default 0.5")
        write_snapshot(conn, Q2, "run", "salt")
        found = rows(conn, "select snapshot_date, churn_score from history.segment_history order by 1, 2")
    assert found == [(Q1, None), (Q1, None), (Q2, 0.5), (Q2, 0.5), (Q2, 0.5)]


def test_history_keeps_masked_contacts_only(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        build(conn, [Q1])
        found = rows(conn, "select * from history.customer_contacts order by customer_id")
    name, email, phone = contact("C1")
    assert found[0][:4] == (Q1, "C1", name[0] + "*" * (len(name) - 1), "138****0001")
    assert all(email not in map(str, row) and phone not in map(str, row) for row in found)


def test_quality_results_of_the_run_are_kept_with_the_snapshot(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        write_marts(conn, Q1, SEGMENTS[Q1])
        conn.execute(
            "create table main.quality_results as select * from (values "
            "(date '2026-03-31', 'row_count', 'dim_customers', true, 'ERROR', '2', '1', 'old-run', "
            "now() - interval 1 day),"
            "(date '2026-03-31', 'row_count', 'dim_customers', false, 'ERROR', '0', '1', 'this-run', now()),"
            "(date '2025-12-31', 'row_count', 'dim_customers', true, 'ERROR', '2', '1', 'other', now())"
            ") as t(snapshot_date, check_name, asset_key, passed, severity, observed, threshold, run_id, "
            "checked_at)"
        )
        written = write_snapshot(conn, Q1, "this-run", "salt")
        found = rows(conn, "select run_id, passed from history.quality_results")
    assert written.rows["quality_results"] == 1 and found == [("this-run", False)]
