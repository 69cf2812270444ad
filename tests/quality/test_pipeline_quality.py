"""End to end, through the real quarterly job (extract with its GX checks, dbt models and tests,
history, publish with its drift warnings): a clean quarter evaluates and passes every check of the
job and is published; its check results belong to its quarter and land in quality_results (and in
the published file); tightened warnings fire and the run still publishes; an empty population
fails a dbt test on dim_customers, and nothing of that quarter reaches history or the published file.

Expectations are computed from the sources, the dbt manifest and the warehouse, not by the code
under test."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.runs import step_failures
from tests.quality.conftest import (
    CLEAN,
    DIM_CUSTOMERS_KEY,
    DRIFTED,
    EMPTY,
    PUBLISHED,
    FailedRun,
    PipelineRun,
    dbt_test_severities,
    quality_rows,
)

SOURCES = ("crm/customers", "shop/orders", "helpdesk/tickets")
SOURCE_FILES = {"crm/customers": "crm_customers", "shop/orders": "orders", "helpdesk/tickets": "tickets"}
BLOCKING_GX = {(asset, check) for asset in SOURCES for check in ("row_accounting", "raw_schema_and_keys")}
WARNING_GX = {(asset, "load_volume_and_quarantine") for asset in SOURCES} | {
    (PUBLISHED, "segment_share_drift"),
    (PUBLISHED, "mean_monetary_shift"),
}
# The optional campaigns source: not delivered in these runs, its checks pass saying so.
OPTIONAL_GX = {
    ("marketing/campaigns", check): blocking
    for check, blocking in (
        ("row_accounting", True),
        ("raw_schema_and_keys", True),
        ("load_volume_and_quarantine", False),
    )
}
DRIFT_WARNINGS = {(PUBLISHED, "segment_share_drift"), (PUBLISHED, "mean_monetary_shift")}


def _declared_checks() -> set[tuple[str, str]]:
    from pipelines.definitions import defs
    from pipelines.jobs import QUARTERLY_JOB

    graph = defs.resolve_job_def(QUARTERLY_JOB).asset_layer.asset_graph
    return {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}


def _history_snapshots(warehouse: Path, table: str = "segment_history") -> set[date]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return {
            row[0] for row in conn.execute(f"select distinct snapshot_date from history.{table}").fetchall()
        }


# ------------------------------------------------------------------------------------------ clean


def test_clean_run_evaluates_and_passes_every_check_of_the_job(clean_run: PipelineRun) -> None:
    assert clean_run.result.success, step_failures(clean_run.result)
    declared = _declared_checks()
    assert declared >= BLOCKING_GX | WARNING_GX
    evaluations = clean_run.evaluations()
    # every check the job declares ran once in the run: GX checks, row accounting and every dbt test
    assert set(evaluations) == declared, declared ^ set(evaluations)
    assert {key: e.description for key, e in evaluations.items() if not e.passed} == {}
    assert step_failures(clean_run.result) == []
    assert PUBLISHED in clean_run.materialized()


def test_blocking_and_warning_checks_are_what_the_design_says(clean_run: PipelineRun) -> None:
    evaluations = clean_run.evaluations()
    for key in BLOCKING_GX:
        assert evaluations[key].blocking and evaluations[key].severity == dg.AssetCheckSeverity.ERROR, key
    for key in WARNING_GX:
        assert not evaluations[key].blocking and evaluations[key].severity == dg.AssetCheckSeverity.WARN, key
    # a dbt test blocks exactly when its dbt severity is error (the gap check, for one, warns)
    severities = dbt_test_severities(clean_run.data_dir)
    dbt_checks = {key: e for key, e in evaluations.items() if key[1] in severities}
    for key, blocking in OPTIONAL_GX.items():
        assert evaluations[key].passed and evaluations[key].blocking == blocking, key
    assert "not delivered" in evaluations[("marketing/campaigns", "raw_schema_and_keys")].description
    assert len(dbt_checks) == len(evaluations) - len(BLOCKING_GX | WARNING_GX) - len(OPTIONAL_GX)
    for (asset, name), evaluation in dbt_checks.items():
        assert evaluation.blocking == (severities[name] == "error"), (asset, name, severities[name])
    assert evaluations[DIM_CUSTOMERS_KEY].blocking


def test_check_results_belong_to_the_quarter_they_judged(
    clean_run: PipelineRun, warning_run: PipelineRun
) -> None:
    for run in (clean_run, warning_run):
        evaluations = run.evaluations()
        gx = evaluations[("crm/customers", "raw_schema_and_keys")]
        dbt_test = evaluations[DIM_CUSTOMERS_KEY]
        assert gx.partition == run.quarter.partition_key
        assert dbt_test.partition == run.quarter.partition_key
        assert {e.partition for e in evaluations.values()} == {run.quarter.partition_key}
    # and the instance stores them under that quarter (what the UI shows per partition)
    storage = clean_run.instance.event_log_storage
    for asset, name in [
        ("crm/customers", "raw_schema_and_keys"),
        DIM_CUSTOMERS_KEY,
    ]:
        key = dg.AssetCheckKey(dg.AssetKey.from_user_string(asset), name)
        by_run = {r.run_id: r.partition for r in storage.get_asset_check_execution_history(key, limit=50)}
        assert by_run[clean_run.run_id] == CLEAN.partition_key
        assert by_run[warning_run.run_id] == DRIFTED.partition_key


def test_clean_run_records_every_check_of_the_run_in_quality_results(
    clean_run: PipelineRun, quality_sources: Path
) -> None:
    rows = quality_rows(clean_run.warehouse_copy, CLEAN.as_of)
    evaluations = clean_run.evaluations()
    by_key = {(r["asset_key"], r["check_name"]): r for r in rows}
    assert len(by_key) == len(rows), "one row per check"
    assert set(by_key) == set(evaluations)
    assert {r["run_id"] for r in rows} == {clean_run.run_id}
    assert len({r["checked_at"] for r in rows}) == 1, "written once, by the publish step"
    severities = dbt_test_severities(clean_run.data_dir)
    for key, row in by_key.items():
        assert row["passed"] is True, key
        if key in BLOCKING_GX or OPTIONAL_GX.get(key):
            expected = "blocking"
        elif key in WARNING_GX or key in OPTIONAL_GX:
            expected = "warning"
        else:
            expected = "blocking" if severities[key[1]] == "error" else "warning"
        assert row["severity"] == expected, key
    # the observed values are the check's own: rows read from the source file for the accounting
    for asset in SOURCES:
        [rows_in_file] = duckdb.execute(
            f"select count(*) from read_parquet('{quality_sources / SOURCE_FILES[asset]}.parquet')"
        ).fetchone()
        accounting = json.loads(by_key[(asset, "row_accounting")]["observed"])
        assert accounting["rows_read"] == rows_in_file, asset
        assert (
            accounting["rows_kept"] + accounting["rows_quarantined"] + accounting["rows_superseded"]
            == rows_in_file
        )
    dbt_test = json.loads(by_key[DIM_CUSTOMERS_KEY]["observed"])
    assert dbt_test["dagster_dbt/failed_row_count"] == 0
    drift = json.loads(by_key[(PUBLISHED, "segment_share_drift")]["observed"])
    assert drift["observed"]["previous_snapshot"] is None  # the first snapshot in history


def test_the_published_file_carries_the_quality_results(
    clean_run: PipelineRun, warning_run: PipelineRun
) -> None:
    # the warning run published after the clean one: its file holds both quarters' results
    with duckdb.connect(str(warning_run.published_file), read_only=True) as conn:
        published = conn.execute(
            "select snapshot_date, run_id, count(*) from quality_results group by all order by 1"
        ).fetchall()
    assert published == [
        (CLEAN.as_of, clean_run.run_id, len(clean_run.evaluations())),
        (DRIFTED.as_of, warning_run.run_id, len(warning_run.evaluations())),
    ]


def test_check_metadata_shows_observed_values_and_thresholds(clean_run: PipelineRun) -> None:
    evaluation = clean_run.evaluations()[("crm/customers", "raw_schema_and_keys")]
    metadata = evaluation.metadata
    with duckdb.connect(str(clean_run.warehouse_copy), read_only=True) as conn:
        [latest] = conn.execute("select count(*) from crm.customers where _is_latest").fetchone()
    observed = metadata["observed"].value
    assert observed["latest_rows"] == latest > 0
    assert (
        observed["duplicate_keys"] == 0 and observed["null_keys"] == 0 and observed["missing_columns"] == []
    )
    # numbers are top-level too (Dagster plots them per quarter), with their bounds
    assert metadata["latest_rows"].value == latest
    assert metadata["threshold_min_latest_rows"].value == 1
    assert metadata["failed_expectations"].value == []
    assert metadata["gx_suites"].value == "expectations/raw_schema.json, expectations/raw_keys.json"


# ---------------------------------------------------------------------------------------- warning


def test_warnings_fire_on_drift_and_the_run_still_publishes(warning_run: PipelineRun) -> None:
    assert warning_run.result.success, step_failures(warning_run.result)
    assert PUBLISHED in warning_run.materialized()
    assert step_failures(warning_run.result) == []
    evaluations = warning_run.evaluations()
    for key in WARNING_GX:
        evaluation = evaluations[key]
        assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN, key
    # nothing else failed: only the warnings
    assert {key for key, e in evaluations.items() if not e.passed} == WARNING_GX
    assert _history_snapshots(warning_run.warehouse) == {CLEAN.as_of, DRIFTED.as_of}


def test_drift_warnings_observe_history_as_computed_independently(warning_run: PipelineRun) -> None:
    with duckdb.connect(str(warning_run.warehouse), read_only=True) as conn:
        shares = conn.execute(
            "select snapshot_date, segment, customer_share from history.segment_summary"
        ).fetchall()
        means = dict(
            conn.execute(
                "select snapshot_date, avg(monetary)::double from history.segment_history group by all"
            ).fetchall()
        )
    now = {s: v for d, s, v in shares if d == DRIFTED.as_of}
    before = {s: v for d, s, v in shares if d == CLEAN.as_of}
    moved = max(abs(now.get(s, 0) - before.get(s, 0)) * 100 for s in now.keys() | before.keys())
    evaluations = warning_run.evaluations()
    drift = evaluations[(PUBLISHED, "segment_share_drift")].metadata["observed"].value
    assert drift["previous_snapshot"] == CLEAN.as_of.isoformat()
    assert drift["max_moved_points"] == pytest.approx(moved, abs=1e-3)
    assert moved > 0.001
    shift = evaluations[(PUBLISHED, "mean_monetary_shift")].metadata["observed"].value
    assert shift["previous_snapshot"] == CLEAN.as_of.isoformat()
    # the mean of the summary equals the mean monetary over the snapshot's customers
    assert shift["mean_monetary"] == pytest.approx(means[DRIFTED.as_of], rel=1e-6)
    assert shift["relative_change"] == pytest.approx(means[DRIFTED.as_of] / means[CLEAN.as_of] - 1, rel=1e-6)


def test_warnings_are_recorded_without_touching_other_quarters(
    warning_run: PipelineRun, clean_run: PipelineRun
) -> None:
    rows = quality_rows(warning_run.warehouse, DRIFTED.as_of)
    assert {r["run_id"] for r in rows} == {warning_run.run_id}
    failed = {(r["asset_key"], r["check_name"]) for r in rows if not r["passed"]}
    assert failed == WARNING_GX
    assert all(r["severity"] == "warning" for r in rows if (r["asset_key"], r["check_name"]) in failed)
    assert {r["run_id"] for r in quality_rows(warning_run.warehouse, CLEAN.as_of)} == {clean_run.run_id}


# --------------------------------------------------------------------------------------- blocking


def test_the_empty_quarter_has_nobody_to_segment(quality_sources: Path) -> None:
    [registered] = duckdb.execute(
        f"select count(*) from read_parquet('{quality_sources / 'crm_customers.parquet'}') "
        "where try_cast(registered_at as timestamptz) <= timestamptz '2020-12-31 23:59:59+00'"
    ).fetchone()
    assert registered == 0


def test_empty_population_fails_a_dbt_test_on_dim_customers(empty_population_run: FailedRun) -> None:
    run = empty_population_run.run
    failed = {
        key: e
        for key, e in run.evaluations().items()
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    }
    # a blocking dbt test on dim_customers rejects the empty population (a non-empty-population test)
    on_dim_customers = {key: e for key, e in failed.items() if key[0] == "marts/dim_customers"}
    assert on_dim_customers, (
        "no blocking check on marts/dim_customers failed for a quarter without customers; "
        f"failed checks: {sorted(failed)}"
    )
    assert all(e.blocking for e in on_dim_customers.values())
    assert not run.result.success
    messages = step_failures(run.result)
    for asset, name in on_dim_customers:
        assert any(m.startswith(f"check {name} on {asset}: ") for m in messages), messages


def test_empty_population_reaches_neither_history_nor_the_published_file(
    empty_population_run: FailedRun,
) -> None:
    run, before, after = empty_population_run.run, empty_population_run.before, empty_population_run.after
    assert not run.result.success
    assert PUBLISHED not in run.materialized()
    assert not any(key.startswith("history/") for key in run.materialized())
    assert before.published_digest is not None
    assert after.published_digest == before.published_digest  # the file is byte-identical
    assert after.history == before.history and after.versions == before.versions
    assert all(EMPTY.as_of not in snapshots for snapshots in after.history.values())


def test_a_failed_run_still_records_its_results(
    empty_population_run: FailedRun, warning_run: PipelineRun
) -> None:
    run = empty_population_run.run
    rows = empty_population_run.quality_rows
    assert rows, "the failed run recorded nothing in quality_results"
    assert {r["run_id"] for r in rows} == {run.run_id}
    assert {(r["asset_key"], r["check_name"]) for r in rows} == set(run.evaluations())
    failed = [r for r in rows if r["passed"] is False and r["asset_key"] == "marts/dim_customers"]
    assert failed and all(r["severity"] == "blocking" for r in failed)
    # other quarters keep their rows
    others = {(r["snapshot_date"], r["run_id"]) for r in empty_population_run.other_quality_rows}
    assert (DRIFTED.as_of, warning_run.run_id) in others
