"""End to end, through the real quarterly job (extract, dbt, checks, history, publish): a clean
quarter passes every check and is published; tightened warnings fire and the run still publishes;
an empty population fails blocking checks, the run fails naming them, and nothing is published."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.quality.checks import quality_checks
from pipelines.quality.gate import blocking_failures
from pipelines.runs import step_failures
from tests.quality.conftest import CLEAN, DRIFTED, EMPTY, BlockedRun, PipelineRun

PUBLISHED = "published/segments"
GX_CHECKS = {
    (key.asset_key.to_user_string(), key.name) for check in quality_checks for key in check.check_keys
}
WARNINGS = {
    ("marts/dim_customers", "mean_monetary_shift"),
    ("marts/fct_segment_summary", "segment_share_drift"),
    ("crm/customers", "load_volume_and_quarantine"),
    ("shop/orders", "load_volume_and_quarantine"),
    ("helpdesk/tickets", "load_volume_and_quarantine"),
}


def _results(warehouse: Path, snapshot: object) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        cursor = conn.execute("select * from quality_results where snapshot_date = ?", [snapshot])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# ------------------------------------------------------------------------------------------ clean


def test_clean_run_passes_every_blocking_check_and_every_gx_check(clean_run: PipelineRun) -> None:
    assert clean_run.result.success, step_failures(clean_run.result)
    evaluations = clean_run.evaluations()
    assert set(evaluations) >= GX_CHECKS, GX_CHECKS - set(evaluations)
    failed = {
        key: e.description
        for key, e in evaluations.items()
        if not e.passed and (key in GX_CHECKS or e.severity == dg.AssetCheckSeverity.ERROR)
    }
    assert failed == {}
    assert blocking_failures(clean_run.instance, clean_run.run_id) == []
    assert PUBLISHED in clean_run.materialized()


def test_clean_run_records_every_check_of_the_run_in_quality_results(clean_run: PipelineRun) -> None:
    rows = _results(clean_run.warehouse_copy, CLEAN.as_of)
    evaluations = clean_run.evaluations()
    # every evaluation of the run up to its last step (history's own checks included)
    assert {(r["asset_key"], r["check_name"]) for r in rows} == set(evaluations)
    assert {r["run_id"] for r in rows} == {clean_run.run_id}
    by_key = {(r["asset_key"], r["check_name"]): r for r in rows}
    segments = by_key[("marts/dim_customers", "segments")]
    assert segments["passed"] and segments["severity"] == "blocking"
    assert json.loads(segments["observed"])["customers"] > 0
    assert by_key[("marts/fct_segment_summary", "segment_share_drift")]["severity"] == "warning"
    accounting = by_key[("shop/orders", "row_accounting")]
    assert json.loads(accounting["observed"])["rows_read"] > 0
    dbt_test = by_key[("marts/dim_customers", "unique_dim_customers_customer_id")]
    assert dbt_test["passed"] and dbt_test["threshold"] == "0 failing rows"
    # the multi-model singular tests are checks of dim_customers too (dbt meta), not observations
    assert ("marts/dim_customers", "assert_every_customer_has_one_segment") in by_key


def test_check_metadata_shows_observed_values_thresholds_and_links_data_docs(clean_run: PipelineRun) -> None:
    evaluation = clean_run.evaluations()[("marts/fct_segment_summary", "segment_shares")]
    metadata = evaluation.metadata
    assert abs(metadata["observed"].value["share_sum"] - 1) < 1e-6
    assert metadata["observed"].value["customers_sum"] == metadata["observed"].value["population"]
    assert metadata["thresholds"].value["share_sum"] == "1 ± 1e-6"
    page = Path(metadata["data_docs"].value.removeprefix("file://"))
    assert page.is_file() and page.suffix == ".html"
    assert page.is_relative_to(clean_run.data_dir / "quality" / "data_docs")
    index = Path(metadata["data_docs_index"].value)
    assert index == clean_run.data_dir / "quality" / "data_docs" / "index.html" and index.is_file()
    assert "segment_shares" in index.read_text()


# ---------------------------------------------------------------------------------------- warning


def test_warnings_fire_on_drift_and_the_run_still_publishes(warning_run: PipelineRun) -> None:
    assert warning_run.result.success, step_failures(warning_run.result)
    assert PUBLISHED in warning_run.materialized()
    evaluations = warning_run.evaluations()
    for key in WARNINGS:
        evaluation = evaluations[key]
        assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN, key
    shift = evaluations[("marts/dim_customers", "mean_monetary_shift")].metadata["observed"].value
    assert shift["previous_snapshot"] == CLEAN.as_of.isoformat() and shift["relative_change"] != 0
    drift = evaluations[("marts/fct_segment_summary", "segment_share_drift")].metadata["observed"].value
    assert drift["max_moved_points"] > 0.001
    assert blocking_failures(warning_run.instance, warning_run.run_id) == []


def test_warnings_are_recorded_without_touching_other_quarters(
    warning_run: PipelineRun, clean_run: PipelineRun
) -> None:
    rows = _results(warning_run.warehouse, DRIFTED.as_of)
    failed = {(r["asset_key"], r["check_name"]) for r in rows if not r["passed"]}
    assert failed >= WARNINGS
    assert all(r["severity"] == "warning" for r in rows if (r["asset_key"], r["check_name"]) in WARNINGS)
    assert {r["run_id"] for r in _results(warning_run.warehouse, CLEAN.as_of)} == {clean_run.run_id}


# --------------------------------------------------------------------------------------- blocking


def test_empty_population_fails_the_run_and_nothing_is_published(blocking_run: BlockedRun) -> None:
    run = blocking_run.run
    assert not run.result.success
    materialized = run.materialized()
    assert PUBLISHED not in materialized
    assert not any(key.startswith("history/") for key in materialized)
    assert blocking_run.published_before is not None
    assert blocking_run.published_after == blocking_run.published_before  # the file is untouched
    evaluations = run.evaluations()
    for key in [
        ("marts/dim_customers", "segments"),
        ("intermediate/int_customers_features", "customer_features"),
        ("marts/fct_segment_summary", "segment_shares"),
    ]:
        assert not evaluations[key].passed and evaluations[key].severity == dg.AssetCheckSeverity.ERROR


def test_the_gate_stops_what_dagster_alone_lets_through(blocking_run: BlockedRun) -> None:
    # The probes depend on fct_customer_tags, whose own checks pass: Dagster runs the ungated one
    # although blocking checks of the run failed; the gated one (like publishing) refuses.
    materialized = blocking_run.run.materialized()
    assert "ungated_probe" in materialized
    assert "gated_probe" not in materialized


def test_the_failure_names_check_asset_and_observed_value(blocking_run: BlockedRun) -> None:
    messages = step_failures(blocking_run.run.result)
    expected = "check segments on marts/dim_customers: customers: found 0, expected >= 1"
    assert any(m.startswith(expected) for m in messages), messages
    gate = blocking_failures(blocking_run.run.instance, blocking_run.run.run_id)
    assert any(m.startswith(expected) for m in gate), gate
    assert any(
        m.startswith("check customer_features on intermediate/int_customers_features: customers: found 0")
        for m in gate
    ), gate


def test_a_failed_run_still_records_its_results(blocking_run: BlockedRun, warning_run: PipelineRun) -> None:
    rows = _results(blocking_run.run.warehouse, EMPTY.as_of)
    assert {r["run_id"] for r in rows} == {blocking_run.run.run_id}
    failed = {(r["asset_key"], r["check_name"]) for r in rows if r["passed"] is False}
    assert ("marts/dim_customers", "segments") in failed
    assert all(r["severity"] == "blocking" for r in rows if (r["asset_key"], r["check_name"]) in failed)
    # other quarters keep their rows
    assert {r["run_id"] for r in _results(blocking_run.run.warehouse, DRIFTED.as_of)} == {warning_run.run_id}
