"""The quality gate: which blocking checks of a run failed, read from Dagster's event log.

Dagster skips an asset downstream of a failed blocking check only when the check is on one of its
direct upstream assets (not on an asset further up, nor on one built in the same multi-asset step
such as the intermediate dbt models), and it does not order other checks before it. Assets that
must never run on a bad snapshot (history, publishing) therefore call `blocking_failures` first
and refuse to run when it is not empty (`raise_if_blocked`). dbt tests count: they are asset
checks of the dbt assets.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable

import dagster as dg

from pipelines.quality.outcomes import CheckOutcome, outcomes_from_events, run_outcomes

_STEP_EVENTS = {
    dg.DagsterEventType.STEP_START,
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.STEP_SKIPPED,
    dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
    dg.DagsterEventType.ASSET_CHECK_EVALUATION,
}


def _messages(outcomes: Iterable[CheckOutcome]) -> list[str]:
    failed = [o for o in outcomes if o.blocks]
    reported = [o.message() for o in failed if o.evaluated]
    # Checks that never reported because their step failed: one line per step, not per check
    # (a failed dbt build leaves dozens of tests unevaluated for one cause).
    by_cause: dict[str, list[str]] = {}
    for outcome in (o for o in failed if not o.evaluated):
        by_cause.setdefault(outcome.detail(), []).append(f"{outcome.check_name} on {outcome.asset}")
    for cause, checks in by_cause.items():
        shown = ", ".join(checks[:3]) + (f" and {len(checks) - 3} more" if len(checks) > 3 else "")
        reported.append(f"{len(checks)} check(s) {cause}: {shown}")
    return reported


def blocking_failures(
    instance: dg.DagsterInstance,
    run_id: str,
    blocking_checks: Collection[dg.AssetCheckKey] | None = None,
) -> list[str]:
    """One message per failed blocking (ERROR-severity) check of the run so far:
    `check <name> on <asset>: <observed value / description>`; empty when nothing blocks.

    Also reported: checks whose step failed before they reported, and blocking checks planned in
    the run that have not run yet although they do not depend on the running step (the asset
    calling the gate would otherwise overtake them). `blocking_checks` are the checks that count
    as blocking for that (default: the blocking checks of this code location).
    """
    outcomes = run_outcomes(instance, run_id)
    if blocking_checks is None:
        blocking_checks = _code_location_blocking_checks()
    pending = [
        f"check {key.name} on {key.asset_key.to_user_string()}: not evaluated yet, it must run before "
        "anything is published (add its asset to the deps of the gated asset: "
        "pipelines.quality.checks.GATED_ASSETS)"
        for key in pending_checks(instance, run_id, blocking_checks)
    ]
    return _messages(outcomes) + pending


@functools.cache
def _code_location_blocking_checks() -> frozenset[dg.AssetCheckKey]:
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    return frozenset(key for key in graph.asset_check_keys if graph.get_check_spec(key).blocking)


def pending_checks(
    instance: dg.DagsterInstance, run_id: str, blocking_checks: Collection[dg.AssetCheckKey]
) -> list[dg.AssetCheckKey]:
    """Blocking checks planned in the run whose step has not finished and does not come after the
    running step nor after a failed or skipped one: they could have run first but have not."""
    planned: dict[dg.AssetCheckKey, str] = {}
    done: set[dg.AssetCheckKey] = set()
    started: set[str] = set()
    finished: set[str] = set()
    stopped: set[str] = set()  # failed or skipped: what depends on them will not run
    cursor = None
    while True:
        page = instance.get_records_for_run(run_id, cursor=cursor, of_type=_STEP_EVENTS, limit=1000)
        for record in page.records:
            event = record.event_log_entry.dagster_event
            if event is None:
                continue
            data = event.event_specific_data
            if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED:
                planned[dg.AssetCheckKey(data.asset_key, data.check_name)] = event.step_key
            elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
                done.add(dg.AssetCheckKey(data.asset_key, data.check_name))
            elif event.event_type == dg.DagsterEventType.STEP_START:
                started.add(event.step_key)
            else:
                finished.add(event.step_key)
                if event.event_type != dg.DagsterEventType.STEP_SUCCESS:
                    stopped.add(event.step_key)
        if not page.has_more:
            break
        cursor = page.cursor
    waiting = {key: step for key, step in planned.items() if key in blocking_checks and key not in done}
    waiting = {key: step for key, step in waiting.items() if step not in finished}
    if not waiting:
        return []
    # Checks after the running step run later; checks after a failed or skipped step never run.
    after_running = _downstream(instance, run_id, (started - finished) | stopped)
    return sorted(
        (key for key, step in waiting.items() if step not in after_running),
        key=lambda k: (k.asset_key.to_user_string(), k.name),
    )


def _downstream(instance: dg.DagsterInstance, run_id: str, steps: set[str]) -> set[str]:
    """The steps that depend, directly or not, on any of `steps` (these included)."""
    run = instance.get_run_by_id(run_id)
    if run is None or run.execution_plan_snapshot_id is None or not steps:
        return set(steps)
    plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
    dependents: dict[str, set[str]] = {}
    for step, upstream in plan.step_deps.items():
        for dep in upstream:
            dependents.setdefault(dep, set()).add(step)
    seen, stack = set(steps), list(steps)
    while stack:
        for child in dependents.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def failed_blocking_checks(result: dg.ExecuteInProcessResult) -> list[str]:
    """The failed blocking checks of an in-process result (the CLI's failure report)."""
    return _messages(outcomes_from_events((event, None) for event in result.all_events))


class PublishBlockedError(RuntimeError):
    """A blocking quality check of the run failed."""


def raise_if_blocked(context: dg.AssetExecutionContext, what: str) -> None:
    """Fail the step, naming every failed blocking check of this run, if there is any."""
    failures = blocking_failures(context.instance, context.run_id)
    if failures:
        listed = "; ".join(failures)
        raise PublishBlockedError(
            f"{what} not done: {len(failures)} blocking quality check(s) failed in this run: {listed}. "
            "The previous history and published file are unchanged; fix the data and re-run the quarter."
        )
