"""quality_results: the rows of a run's check evaluations (the clean run's real ones), one per check,
severity from the check's blocking flag and severity; a re-run of a quarter replaces that quarter's
rows and keeps the other quarters'; a write is all or nothing; the run-failure sensor that records
failed runs is part of the code location."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import duckdb
import pytest
from dagster_shared.record import copy

from pipelines.quality import results
from tests.quality.conftest import CLEAN, DIM_CUSTOMERS_KEY, PipelineRun

Q3, Q4 = date(2025, 9, 30), date(2025, 12, 31)
GX_CHECK = ("crm/customers", "raw_schema_and_keys")


def _rows(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    return conn.execute(
        "select snapshot_date, asset_key, check_name, passed, severity, run_id from main.quality_results "
        "order by all"
    ).fetchall()


def _evaluation(**changes: object) -> dg.AssetCheckEvaluation:
    values = {"asset_key": dg.AssetKey(["a"]), "check_name": "c", "passed": True, "metadata": {}}
    return dg.AssetCheckEvaluation(**{**values, **changes})


def test_a_row_carries_the_contract_columns(clean_run: PipelineRun) -> None:
    evaluation = clean_run.evaluations()[GX_CHECK]
    record = dict(
        zip(results.COLUMNS, results.row(CLEAN.as_of, evaluation, evaluation.blocking), strict=True)
    )
    assert record["snapshot_date"] == CLEAN.as_of
    assert (record["asset_key"], record["check_name"]) == GX_CHECK
    assert record["passed"] is True and record["severity"] == "blocking"
    observed = json.loads(record["observed"])
    assert observed["observed"] == evaluation.metadata["observed"].value
    assert observed["gx_suites"] == "expectations/raw_schema.json, expectations/raw_keys.json"
    assert record["description"] == evaluation.description


@pytest.mark.parametrize(
    "blocking, severity, expected",
    [
        (True, dg.AssetCheckSeverity.ERROR, "blocking"),
        (True, dg.AssetCheckSeverity.WARN, "warning"),
        (False, dg.AssetCheckSeverity.ERROR, "warning"),
        (False, dg.AssetCheckSeverity.WARN, "warning"),
    ],
)
def test_only_a_blocking_check_of_error_severity_is_blocking(
    blocking: bool, severity: dg.AssetCheckSeverity, expected: str
) -> None:
    [row] = results.rows([_evaluation(blocking=blocking, severity=severity)], Q3)
    assert row[results.COLUMNS.index("severity")] == expected


def test_a_check_evaluated_twice_keeps_its_latest_result() -> None:
    rows = results.rows([_evaluation(passed=False), _evaluation(check_name="d"), _evaluation()], Q3)
    assert sorted((r[1], r[3]) for r in rows) == [("c", True), ("d", True)]


def test_rerunning_a_quarter_replaces_its_rows_and_keeps_other_quarters(clean_run: PipelineRun) -> None:
    evaluations = list(clean_run.evaluations().values())
    with duckdb.connect() as conn:
        results.write(conn, Q3, "run-1", results.rows(evaluations, Q3))
        results.write(conn, Q4, "run-2", results.rows(evaluations, Q4))
        assert len(_rows(conn)) == 2 * len(evaluations)
        failed = [
            copy(e, passed=False) if (e.asset_key.to_user_string(), e.check_name) == DIM_CUSTOMERS_KEY else e
            for e in evaluations
        ]
        results.write(conn, Q3, "run-3", results.rows(failed, Q3))
        q3 = [r for r in _rows(conn) if r[0] == Q3]
        assert len(q3) == len(evaluations) and {r[5] for r in q3} == {"run-3"}
        assert [(r[1], r[2]) for r in q3 if not r[3]] == [DIM_CUSTOMERS_KEY]
        assert {r[5] for r in _rows(conn) if r[0] == Q4} == {"run-2"}
        # recording the same run again is idempotent
        results.write(conn, Q3, "run-3", results.rows(failed, Q3))
        assert len(_rows(conn)) == 2 * len(evaluations)


def test_a_write_is_all_or_nothing(clean_run: PipelineRun) -> None:
    evaluations = list(clean_run.evaluations().values())
    with duckdb.connect() as conn:
        results.write(conn, Q3, "run-1", results.rows(evaluations, Q3))
        broken = [*results.rows(evaluations, Q3), (Q3, None, "a", True, "warning", "{}", None)]
        with pytest.raises(duckdb.Error):
            results.write(conn, Q3, "run-2", broken)
        assert {r[5] for r in _rows(conn)} == {"run-1"} and len(_rows(conn)) == len(evaluations)


def test_the_failed_run_sensor_is_part_of_the_code_location() -> None:
    from pipelines.definitions import defs

    sensor = defs.get_sensor_def("record_failed_runs")
    assert isinstance(sensor, dg.RunStatusSensorDefinition)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
