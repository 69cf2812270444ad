"""The history (dbt models in models/history, built by the real dbt invocation on tiny marts): a
quarter is replaced as a whole, in any order, and its guards stop what must not reach BI tools."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.publish.history_builder import HistoryBuildError, build_quarter, contact

Q1, Q2, Q3 = date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30)
# Customers per quarter: C3 registers in Q2, C4 in Q3; C1 moves loyal -> churn_risk.
SEGMENTS = {
    Q1: {"C1": "loyal", "C2": "potential"},
    Q2: {"C1": "loyal", "C2": "loyal", "C3": "potential"},
    Q3: {"C1": "churn_risk", "C2": "loyal", "C3": "potential", "C4": "potential"},
}


def build(warehouse: Path, quarters: list[date], segments: dict[date, dict[str, str]] = SEGMENTS) -> None:
    for as_of in quarters:
        build_quarter(warehouse, as_of, segments[as_of])


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def counts(warehouse: Path) -> dict[str, list[tuple]]:
    return {
        table: rows(warehouse, f"select snapshot_date, count(*) from history.{table} group by 1 order by 1")
        for table in ("segment_history", "tag_history", "segment_summary", "rfm_calibration")
    }


@pytest.fixture(scope="module")
def in_order(tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("in_order") / "warehouse.duckdb"
    build(warehouse, [Q1, Q2, Q3])
    return warehouse


def test_rewriting_a_quarter_replaces_it_and_leaves_the_others(in_order: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(in_order, warehouse)
    before = counts(warehouse)
    versions = dict(rows(warehouse, "select snapshot_date, version from history.history_snapshots"))
    build(warehouse, [Q2], {Q2: {"C1": "churn_risk", "C2": "churn_risk", "C3": "potential"}})
    assert counts(warehouse) == before
    changed = (
        f"select customer_id, segment from history.segment_history where snapshot_date = '{Q2}' order by 1"
    )
    assert rows(warehouse, changed) == [("C1", "churn_risk"), ("C2", "churn_risk"), ("C3", "potential")]
    after = dict(rows(warehouse, "select snapshot_date, version from history.history_snapshots"))
    assert after[Q1] == versions[Q1] and after[Q3] == versions[Q3] and after[Q2] != versions[Q2]


def test_migrations_do_not_depend_on_the_order_quarters_are_written(in_order: Path, tmp_path: Path) -> None:
    shuffled = tmp_path / "warehouse.duckdb"
    build(shuffled, [Q3, Q1, Q2])
    query = "select * from history.segment_migration order by all"
    assert rows(shuffled, query) == rows(in_order, query)


def test_migration_counts_newly_registered_customers_as_their_own_origin(in_order: Path) -> None:
    moves = rows(
        in_order,
        f"select from_segment, to_segment, customers from history.segment_migration "
        f"where to_snapshot = '{Q3}' order by all",
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
    sizes = rows(
        in_order, f"select segment, customers from history.segment_summary where snapshot_date = '{Q3}'"
    )
    assert arriving == dict(sizes)


def test_history_keeps_masked_contacts_only(in_order: Path) -> None:
    found = rows(in_order, f"select * from history.customer_contacts where snapshot_date = '{Q1}' order by 2")
    name, email, phone = contact("C1")
    assert found[0][:4] == (Q1, "C1", name[0] + "*" * (len(name) - 1), "138****0001")
    assert all(email not in map(str, row) and phone not in map(str, row) for row in found)


def test_a_large_drop_of_customers_fails_the_history_build(in_order: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(in_order, warehouse)
    q4 = date(2026, 12, 31)
    with pytest.raises(HistoryBuildError, match="assert_segment_row_count_no_large_drop"):
        build_quarter(warehouse, q4, {"C1": "loyal"})  # 4 customers -> 1: a partial source drop


def test_a_skipped_quarter_is_a_warning(tmp_path: Path) -> None:
    output = build_quarter(tmp_path / "w.duckdb", Q1, SEGMENTS[Q1]) + build_quarter(
        tmp_path / "w.duckdb", Q3, SEGMENTS[Q3]
    )
    assert (
        "WARN 1 assert_no_missing_segment_snapshot_dates"
        in output.replace("\x1b[33m", "").replace("\x1b[0m", "")
        or "Warning in test assert_no_missing_segment_snapshot_dates" in output
    )


def test_a_quarter_too_small_to_fit_the_value_models_says_why_and_predicts_nothing(in_order: Path) -> None:
    # Two to four customers a quarter: fewer repeat customers than clv.min_repeat_customers (20).
    fits = rows(
        in_order,
        "select snapshot_date, model, fitted, converged, r, q, message from history.clv_models order by 1, 2",
    )
    assert [(d, m) for d, m, *_ in fits] == [(q, m) for q in (Q1, Q2, Q3) for m in ("bgnbd", "gamma_gamma")]
    for _, _, fitted, converged, r, q, message in fits:
        assert (fitted, converged, r, q) == (False, False, None, None)
        assert "repeat" in message, message
    predicted = rows(
        in_order,
        "select snapshot_date, count(*), count(p_alive), count(expected_orders_90d), "
        "count(predicted_clv_12m) from history.segment_history group by 1 order by 1",
    )
    assert predicted == [(q, len(SEGMENTS[q]), 0, 0, 0) for q in (Q1, Q2, Q3)]


def test_an_earlier_releases_wide_tag_history_keeps_every_quarter(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    build(warehouse, [Q1])
    with duckdb.connect(str(warehouse)) as conn:
        # The layout of releases that stored labels on every tag row: one wide tag_history table.
        # Q1 gets labels of its own (they must survive as they were), and a stale write of Q2 is there
        # too (the Q2 build replaces it, as a re-run always did).
        conn.execute(f"""
            create table history.wide as
            select * replace ('then: ' || tag_value_label_en as tag_value_label_en) from history.tag_history
            union all
            select * replace (cast('{Q2}' as date) as snapshot_date, 'stale' as tag_value_label_zh)
            from history.tag_history
        """)
        earlier = conn.execute(
            f"select * from history.wide where snapshot_date = '{Q1}' order by all"
        ).fetchall()
        for view in ("tag_history", "customer_tags"):
            conn.execute(f"drop view history.{view}")
        for table in ("customer_tag_history", "tag_value_history"):
            conn.execute(f"drop table history.{table}")
        conn.execute("alter table history.wide rename to tag_history")
    build(warehouse, [Q2])
    tag_history = "select * from history.tag_history where snapshot_date = '{}' order by all"
    # Q2: the marts of Q2 as written by hand for this test, each tag row with its value's labels.
    expected_q2 = (
        "select tags.snapshot_date, tags.customer_id, tags.tag_code, tags.tag_name, values.tag_level1, "
        "values.tag_level2, tags.tag_value, values.* exclude (snapshot_date, tag_code, tag_value, tag_name, "
        "tag_level1, tag_level2) from marts.fct_customer_tags as tags join marts.dim_tag_values as values "
        "using (tag_code, tag_value) order by all"
    )
    assert rows(
        warehouse, "select table_type from information_schema.tables where table_name = 'tag_history'"
    ) == [("VIEW",)]
    assert rows(warehouse, tag_history.format(Q1)) == earlier
    assert rows(warehouse, tag_history.format(Q2)) == rows(warehouse, expected_q2)
    assert len(rows(warehouse, tag_history.format(Q2))) == len(SEGMENTS[Q2])
