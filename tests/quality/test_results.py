"""quality_results: rows from check outcomes, a re-run of a quarter replaces that quarter's rows."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import duckdb

from pipelines.quality import results
from pipelines.quality.outcomes import BLOCKING, WARNING, CheckOutcome

Q3, Q4 = date(2025, 9, 30), date(2025, 12, 31)


def _outcome(name: str, passed: bool = True, severity: str = BLOCKING) -> CheckOutcome:
    return CheckOutcome(
        asset_key=dg.AssetKey(["marts", "dim_customers"]),
        check_name=name,
        passed=passed,
        severity=severity,
        observed={"customers": 10},
        threshold='{"min_customers": 1}',
    )


def _rows(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    return conn.execute(
        "select snapshot_date, check_name, passed, severity, run_id from quality_results order by all"
    ).fetchall()


def test_rows_carry_the_contract_columns() -> None:
    [row] = results.rows([_outcome("segments", passed=False)], Q3, "run-1")
    record = dict(zip(results.COLUMNS, row, strict=True))
    assert record["snapshot_date"] == Q3 and record["asset_key"] == "marts/dim_customers"
    assert record["passed"] is False and record["severity"] == "blocking"
    assert json.loads(record["observed"]) == {"customers": 10}
    assert record["threshold"] == '{"min_customers": 1}' and record["run_id"] == "run-1"


def test_checks_that_never_reported_are_left_to_the_gate() -> None:
    crashed = CheckOutcome(dg.AssetKey("a"), "c", passed=False, severity=BLOCKING, evaluated=False)
    assert results.rows([crashed], Q3, "run-1") == []


def test_rerunning_a_quarter_replaces_its_rows_and_keeps_other_quarters() -> None:
    with duckdb.connect() as conn:
        results.write(conn, Q3, "run-1", results.rows([_outcome("segments"), _outcome("drift")], Q3, "run-1"))
        results.write(conn, Q4, "run-2", results.rows([_outcome("segments")], Q4, "run-2"))
        rerun = [_outcome("segments", passed=False), _outcome("drift", False, WARNING)]
        results.write(conn, Q3, "run-3", results.rows(rerun, Q3, "run-3"))
        assert _rows(conn) == [
            (Q3, "drift", False, "warning", "run-3"),
            (Q3, "segments", False, "blocking", "run-3"),
            (Q4, "segments", True, "blocking", "run-2"),
        ]
        # recording the same run again (the hook runs after every step) is idempotent
        results.write(conn, Q3, "run-3", results.rows(rerun, Q3, "run-3"))
        assert len(_rows(conn)) == 3
