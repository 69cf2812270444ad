"""Each blocking check failing in a real run of the quarterly job, on crafted sources or a crafted
warehouse (conftest): the run fails, the failure names the check and what it observed, nothing of
the quarter reaches history, the published file is byte-identical, and quality_results holds the
failed run's results (a re-run of the quarter replaces them). Then the blocking GX checks as plain
functions of a crafted warehouse, for the breaks the extraction itself never produces."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import dagster as dg
import duckdb
import pytest

from pipelines.extract.sources import CRM_CUSTOMERS, ORDERS, TICKETS
from pipelines.quality import checks
from pipelines.runs import step_failures
from tests.quality.conftest import CLEAN, DRIFTED, PUBLISHED, DamagedLoad, FailedRun


@dataclass(frozen=True)
class Scenario:
    why: str
    fixture: str
    asset: str
    check: str
    # what the failure message must say after "check <check> on <asset>: " (a regex), naming
    # what the check observed
    observed: str


SCENARIOS = [
    Scenario(
        "a CRM file whose only rows are unusable: the CRM is empty",
        "unusable_crm_run",
        "crm/customers",
        "raw_schema_and_keys",
        r"latest_rows: found 0, expected >= 1",
    ),
    Scenario(
        "orders lost after the load",
        "damaged_load_run",
        "shop/orders",
        "row_accounting",
        r"stored_kept={orders_stored}\b",
    ),
    Scenario(
        "a contract column missing from the raw tickets table",
        "damaged_load_run",
        "helpdesk/tickets",
        "raw_schema_and_keys",
        # the missing column, as observed (not only within the list of expected columns)
        r"column_spec: [^;]*'?channel VARCHAR'?[^;]*, expected",
    ),
    Scenario(
        "a customer twice in the raw CRM table: a dbt test fails",
        "dbt_test_run",
        "staging/stg_crm__customers",
        "primary_key_stg_crm__customers_customer_id",
        # what it observed: the failing rows (one customer key twice)
        r"\b{failed_rows}\b",
    ),
    Scenario(
        "a CRM that lost most customers since the last quarter: the history guard fails",
        "history_guard_run",
        "history/segment_history",
        "assert_segment_row_count_no_large_drop",
        # what it observed: the failing rows (the one snapshot with the drop)
        r"\b{failed_rows}\b",
    ),
]
IDS = [s.why for s in SCENARIOS]


def _failed(request: pytest.FixtureRequest, scenario: Scenario) -> tuple[FailedRun, dict[str, str]]:
    value = request.getfixturevalue(scenario.fixture)
    if isinstance(value, tuple):
        run, damage = value
        assert isinstance(damage, DamagedLoad)
        return run, {"orders_stored": str(damage.orders_kept - damage.orders_deleted)}
    return value, {"failed_rows": "1"}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_the_run_fails_on_the_check(request: pytest.FixtureRequest, scenario: Scenario) -> None:
    failed, _ = _failed(request, scenario)
    run = failed.run
    assert not run.result.success, scenario.why
    evaluation = run.evaluations()[(scenario.asset, scenario.check)]
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert evaluation.blocking
    assert evaluation.partition == run.quarter.partition_key


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_the_failure_names_the_check_and_what_it_observed(
    request: pytest.FixtureRequest, scenario: Scenario
) -> None:
    failed, values = _failed(request, scenario)
    prefix = f"check {scenario.check} on {scenario.asset}: "
    [message] = [m for m in step_failures(failed.run.result) if m.startswith(prefix)]
    pattern = scenario.observed.format(**values)
    assert re.search(pattern, message.removeprefix(prefix)), f"{message!r} does not say what it observed"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_nothing_of_the_quarter_reaches_history_or_the_published_file(
    request: pytest.FixtureRequest, scenario: Scenario
) -> None:
    failed, _ = _failed(request, scenario)
    materialized = failed.run.materialized()
    assert PUBLISHED not in materialized
    assert failed.before.published_digest is not None
    assert failed.after.published_digest == failed.before.published_digest  # byte-identical
    # history: the quarter is not listed as written (so never published, nor compared with), and
    # the other quarters are as they were
    quarter = failed.run.quarter.as_of
    assert failed.after.versions == failed.before.versions
    if scenario.asset.startswith("history/"):
        # a history guard judges rows already in the history tables: they stay there, unlisted
        others = {
            t: {d: n for d, n in rows.items() if d != quarter} for t, rows in failed.after.history.items()
        }
        assert others == failed.before.history
        return
    written = {table: rows[quarter] for table, rows in failed.after.history.items() if quarter in rows}
    assert written == {}, f"history rows written for the failed quarter {quarter}"
    assert failed.after.history == failed.before.history
    assert not any(key.startswith("history/") for key in materialized), materialized


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_quality_results_hold_the_failed_run(request: pytest.FixtureRequest, scenario: Scenario) -> None:
    failed, _ = _failed(request, scenario)
    run = failed.run
    rows = failed.quality_rows
    assert {r["run_id"] for r in rows} == {run.run_id}
    assert {(r["asset_key"], r["check_name"]) for r in rows} == set(run.evaluations())
    [row] = [r for r in rows if (r["asset_key"], r["check_name"]) == (scenario.asset, scenario.check)]
    assert row["passed"] is False and row["severity"] == "blocking"
    assert row["snapshot_date"] == run.quarter.as_of
    # the other quarters keep what their runs wrote
    assert {r["snapshot_date"] for r in failed.other_quality_rows} == {CLEAN.as_of, DRIFTED.as_of}


def test_unusable_crm_rows_went_to_quarantine_and_nothing_downstream_ran(unusable_crm_run: FailedRun) -> None:
    run = unusable_crm_run.run
    # both rows of the file quarantined, none kept (read right after the run)
    assert unusable_crm_run.raw_counts["crm_customers"] == {"quarantined": 2, "kept": 0}
    # orders and tickets wait for the CRM's blocking checks; dbt, history and publish never ran
    assert not {"shop/orders", "helpdesk/tickets", "marts/dim_customers"} & run.materialized()
    row = next(r for r in unusable_crm_run.quality_rows if r["check_name"] == "raw_schema_and_keys")
    assert json.loads(row["observed"])["observed"]["latest_rows"] == 0
    # the empty CRM also warns (load_volume_and_quarantine: everything read was quarantined)
    warning = run.evaluations()[("crm/customers", "load_volume_and_quarantine")]
    assert not warning.passed and warning.severity == dg.AssetCheckSeverity.WARN
    assert warning.metadata["observed"].value["quarantine_rate"] == 1


def test_a_rerun_of_the_quarter_replaces_its_quality_results(
    unusable_crm_run: FailedRun, damaged_load_run: tuple[FailedRun, DamagedLoad]
) -> None:
    first, (second, _) = unusable_crm_run, damaged_load_run
    assert first.run.data_dir == second.run.data_dir and first.run.quarter == second.run.quarter
    first_by_key = {(r["asset_key"], r["check_name"]): r for r in first.quality_rows}
    second_by_key = {(r["asset_key"], r["check_name"]): r for r in second.quality_rows}
    assert first_by_key[("crm/customers", "raw_schema_and_keys")]["passed"] is False
    # the re-run loaded a good CRM: its result replaced the first run's, no row of the first is left
    assert second_by_key[("crm/customers", "raw_schema_and_keys")]["passed"] is True
    assert {r["run_id"] for r in second.quality_rows} == {second.run.run_id}
    # the other quarters' rows are untouched by either run
    assert second.other_quality_rows == first.other_quality_rows


def test_the_dbt_failure_stops_the_models_after_it(dbt_test_run: FailedRun) -> None:
    run = dbt_test_run.run
    key = ("staging/stg_crm__customers", "primary_key_stg_crm__customers_customer_id")
    evaluation = run.evaluations()[key]
    assert evaluation.metadata["dagster_dbt/failed_row_count"].value == 1
    # dbt skips the models built on the failed one; Dagster runs nothing downstream of the step
    assert "marts/dim_customers" not in run.materialized()
    assert "history/customer_contacts" not in run.materialized()
    row = next(r for r in dbt_test_run.quality_rows if r["check_name"] == evaluation.check_name)
    assert json.loads(row["observed"])["dagster_dbt/failed_row_count"] == 1


# ------------------------------------------------------------------- the checks as plain functions


def test_the_clean_raw_tables_pass(conn: duckdb.DuckDBPyConnection) -> None:
    for source in (CRM_CUSTOMERS, ORDERS, TICKETS):
        evaluation = checks.raw_schema_and_keys(conn, source)
        assert evaluation.passed, (source.name, evaluation.summary())


def test_two_latest_versions_of_a_key_fail(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("insert into crm.customers select * from crm.customers where _is_latest limit 1")
    evaluation = checks.raw_schema_and_keys(conn, CRM_CUSTOMERS)
    assert not evaluation.passed
    assert evaluation.failed_expectations == [
        "raw_keys: duplicate_keys: found 1, expected = 0 (column_max_to_be_between)"
    ]


def test_a_latest_version_without_key_fails(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        "update shop.orders set order_id = null "
        "where order_id = (select min(order_id) from shop.orders where _is_latest)"
    )
    evaluation = checks.raw_schema_and_keys(conn, ORDERS)
    assert [f.split(":")[1].strip() for f in evaluation.failed_expectations] == ["null_keys"]
    assert evaluation.observed["null_keys"] == 1


def test_a_changed_column_type_fails(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("alter table shop.orders alter amount type varchar")
    evaluation = checks.raw_schema_and_keys(conn, ORDERS)
    assert not evaluation.passed
    assert evaluation.observed["missing_columns"] == ["amount DECIMAL(18,2)"]
    assert [f.split(":")[0] for f in evaluation.failed_expectations] == ["raw_schema"]


@pytest.mark.parametrize("source, blocks", [(CRM_CUSTOMERS, True), (ORDERS, False), (TICKETS, False)])
def test_an_empty_source_blocks_only_for_the_crm(
    conn: duckdb.DuckDBPyConnection, source: object, blocks: bool
) -> None:
    conn.execute(f"delete from {source.schema}.{source.table}")
    evaluation = checks.raw_schema_and_keys(conn, source)
    assert evaluation.passed is not blocks, evaluation.summary()
    if blocks:
        assert evaluation.failed_expectations == [
            "raw_keys: latest_rows: found 0, expected >= 1 (column_min_to_be_between)"
        ]
