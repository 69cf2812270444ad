"""The gate on small Dagster graphs shaped like ours (a dbt-like multi-asset, separate checks, a
Python asset downstream): what Dagster stops by itself, and what only the gate stops."""

import dagster as dg
import pytest

from pipelines.quality.gate import blocking_failures, failed_blocking_checks

FEATURES, MART = dg.AssetKey(["intermediate", "features"]), dg.AssetKey(["marts", "mart"])


@dg.multi_asset(
    specs=[dg.AssetSpec(FEATURES), dg.AssetSpec(MART, deps=[FEATURES])],
    check_specs=[dg.AssetCheckSpec("unique_customer_id", asset=MART, blocking=True)],
)
def fake_dbt(context: dg.AssetExecutionContext) -> object:
    """Like dbt build: models and their tests in one step; the test result says whether it passed."""
    yield dg.MaterializeResult(asset_key=FEATURES)
    yield dg.MaterializeResult(asset_key=MART)
    failing = context.run.tags.get("failing_dbt_rows", "0")
    yield dg.AssetCheckResult(
        asset_key=MART,
        check_name="unique_customer_id",
        passed=failing == "0",
        metadata={"dagster_dbt/failed_row_count": int(failing)},
    )


@dg.asset_check(asset=FEATURES, name="customer_features", blocking=True)
def features_check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    outcome = context.run.tags.get("features", "pass")
    if outcome == "crash":
        raise RuntimeError("warehouse unreadable")
    return dg.AssetCheckResult(
        passed=outcome == "pass",
        description=None if outcome == "pass" else "customers: found 0, expected >= 1",
        metadata={"observed": {"customers": 0 if outcome != "pass" else 10}},
    )


@dg.asset_check(asset=MART, name="share_drift", blocking=True)
def drift_warning(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=context.run.tags.get("drift", "small") == "small",
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"observed": {"max_moved_points": 12.0}},
    )


@dg.asset(deps=[MART])
def ungated_publish() -> None:
    """What Dagster alone does: runs unless a blocking check on MART itself failed."""


@dg.asset(deps=[MART])
def gated_publish(context: dg.AssetExecutionContext) -> None:
    """What our publish does: refuse while any blocking check of the run failed or is pending."""
    failures = blocking_failures(context.instance, context.run.run_id, blocking_checks=BLOCKING)
    if failures:
        raise dg.Failure(description="not published: " + "; ".join(failures))


ALL = [fake_dbt, features_check, drift_warning, ungated_publish, gated_publish]
BLOCKING = {
    dg.AssetCheckKey(MART, "unique_customer_id"),
    dg.AssetCheckKey(FEATURES, "customer_features"),
    dg.AssetCheckKey(MART, "share_drift"),
}


def _run(**tags: str) -> tuple[dg.ExecuteInProcessResult, dg.DagsterInstance]:
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(ALL, instance=instance, tags=tags, raise_on_error=False)
    return result, instance


def _materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def test_clean_run_has_no_blocking_failure_and_publishes() -> None:
    result, instance = _run()
    assert result.success
    assert blocking_failures(instance, result.run_id) == []
    assert {"gated_publish", "ungated_publish"} <= _materialized(result)


def test_failed_check_on_an_asset_further_up_stops_only_the_gated_asset() -> None:
    # The known Dagster gap: a blocking check on `features` does not stop an asset that depends on
    # `mart` only, although `mart` is built from `features` in the same step.
    result, instance = _run(features="fail")
    assert not result.success
    assert "ungated_publish" in _materialized(result)
    assert "gated_publish" not in _materialized(result)
    assert blocking_failures(instance, result.run_id) == [
        "check customer_features on intermediate/features: customers: found 0, expected >= 1"
    ]


def test_failed_dbt_test_names_the_test_the_asset_and_the_failing_rows() -> None:
    result, instance = _run(failing_dbt_rows="3")
    assert not result.success
    assert not {"gated_publish", "ungated_publish"} & _materialized(result)
    expected = "check unique_customer_id on marts/mart: dbt test found 3 failing row(s), expected 0"
    assert blocking_failures(instance, result.run_id) == [expected]
    # the same report from the in-process result (what `segments run` prints)
    assert failed_blocking_checks(result) == [expected]


def test_a_check_that_crashed_counts_as_failed() -> None:
    result, instance = _run(features="crash")
    [message] = blocking_failures(instance, result.run_id)
    assert "customer_features on intermediate/features" in message
    assert "did not complete" in message and "warehouse unreadable" in message
    assert "gated_publish" not in _materialized(result)


def test_a_failed_warning_does_not_block() -> None:
    result, instance = _run(drift="large")
    assert result.success
    assert blocking_failures(instance, result.run_id) == []
    [evaluation] = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        and e.event_specific_data.check_name == "share_drift"
    ]
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert "gated_publish" in _materialized(result)


def test_a_blocking_check_that_has_not_run_yet_blocks() -> None:
    # A blocking check planned in the run, not downstream of the step asking, and not run yet: the
    # gated step must not overtake it. (Nothing orders `early_publish` after the check: it depends
    # on nothing, so Dagster runs it in the first wave, before any check.)
    @dg.asset
    def source() -> None:
        pass

    late_check_key = dg.AssetCheckKey(source.key, "late_check")

    @dg.asset
    def early_publish(context: dg.AssetExecutionContext) -> None:
        failures = blocking_failures(context.instance, context.run.run_id, blocking_checks={late_check_key})
        if failures:
            raise dg.Failure(description="; ".join(failures))

    @dg.asset_check(asset=source)
    def late_check() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True)

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([source, early_publish, late_check], instance=instance, raise_on_error=False)
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "early_publish"
    assert "check late_check on source: not evaluated yet" in failure.event_specific_data.error.message
    # once the run is over nothing is pending any more
    assert blocking_failures(instance, result.run_id, {late_check_key}) == []


@pytest.mark.parametrize("severity", [dg.AssetCheckSeverity.WARN, dg.AssetCheckSeverity.ERROR])
def test_only_failed_error_severity_blocks(severity: dg.AssetCheckSeverity) -> None:
    @dg.asset
    def thing() -> None:
        pass

    @dg.asset_check(asset=thing, blocking=True)
    def thing_check() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False, severity=severity, description="observed 1, expected 0")

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([thing, thing_check], instance=instance, raise_on_error=False)
    expected = ["check thing_check on thing: observed 1, expected 0"] if severity.value == "ERROR" else []
    assert blocking_failures(instance, result.run_id) == expected
