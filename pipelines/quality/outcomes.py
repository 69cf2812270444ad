"""Check outcomes of a run, read from Dagster's events: every asset check evaluation (GX checks, the
extraction's row accounting, dbt tests) and the checks whose step failed before reporting.

Both the gate (`gate.py`) and the `quality_results` table (`results.py`) are built from these, so
what blocks publishing and what gets recorded can never disagree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import dagster as dg

BLOCKING = "blocking"
WARNING = "warning"
_EVENT_TYPES = {
    dg.DagsterEventType.ASSET_CHECK_EVALUATION,
    dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
    dg.DagsterEventType.STEP_FAILURE,
}
# Metadata that says how a check ran, not what it found.
_NOT_OBSERVED = {"Execution Duration", "invocation_id", "unique_id", "status", "data_docs", "data_docs_index"}
DBT_FAILED_ROWS = "dagster_dbt/failed_row_count"


@dataclass(frozen=True)
class CheckOutcome:
    """One check of a run: its verdict, severity, what it observed and against which threshold."""

    asset_key: dg.AssetKey
    check_name: str
    passed: bool
    severity: str  # BLOCKING or WARNING
    observed: Mapping[str, Any] = field(default_factory=dict)
    threshold: str | None = None
    description: str | None = None
    checked_at: datetime | None = None
    evaluated: bool = True  # False: planned, but its step failed before it reported

    @property
    def asset(self) -> str:
        return self.asset_key.to_user_string()

    @property
    def blocks(self) -> bool:
        return not self.passed and self.severity == BLOCKING

    def message(self) -> str:
        """`check <name> on <asset>: <what was observed>` (the gate's and the CLI's wording)."""
        return f"check {self.check_name} on {self.asset}: {self.detail()}"

    def detail(self) -> str:
        if self.description:
            return self.description
        if DBT_FAILED_ROWS in self.observed:
            return f"dbt test found {self.observed[DBT_FAILED_ROWS]} failing row(s), expected 0"
        shown = ", ".join(f"{k}={_short(v)}" for k, v in self.observed.items())
        return f"observed {shown}" if shown else "failed"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def _metadata_value(value: Any) -> Any:
    raw = getattr(value, "value", value)
    if isinstance(raw, dg.AssetKey):
        return raw.to_user_string()
    return raw if isinstance(raw, str | int | float | bool | list | dict) or raw is None else str(raw)


def _from_evaluation(evaluation: Any, timestamp: float | None) -> CheckOutcome:
    metadata = {k: _metadata_value(v) for k, v in evaluation.metadata.items()}
    blocking = bool(evaluation.blocking) and evaluation.severity == dg.AssetCheckSeverity.ERROR
    observed = metadata.get("observed")
    if not isinstance(observed, dict):
        observed = {k: v for k, v in metadata.items() if k not in _NOT_OBSERVED and k != "thresholds"}
    threshold = metadata.get("thresholds") or metadata.get("threshold")
    if threshold is None and DBT_FAILED_ROWS in metadata:
        threshold = "0 failing rows"
    return CheckOutcome(
        asset_key=evaluation.asset_key,
        check_name=evaluation.check_name,
        passed=bool(evaluation.passed),
        severity=BLOCKING if blocking else WARNING,
        observed=observed,
        threshold=threshold if threshold is None or isinstance(threshold, str) else json.dumps(threshold),
        description=evaluation.description,
        checked_at=datetime.fromtimestamp(timestamp, UTC) if timestamp else None,
    )


def _root_cause(error: Any) -> str:
    """The user's exception, not Dagster's wrapper: its first line."""
    if error is None:
        return "failed"
    while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
        error = error.cause
    return (error.message.strip().splitlines() or ["failed"])[0]


def outcomes_from_events(events: Iterable[tuple[dg.DagsterEvent, float | None]]) -> list[CheckOutcome]:
    """The outcome of every check in (event, timestamp) pairs of one run, latest evaluation per check;
    a planned check whose step failed without a result counts as a failed blocking check."""
    evaluated: dict[tuple[dg.AssetKey, str], CheckOutcome] = {}
    planned: dict[tuple[dg.AssetKey, str], str | None] = {}
    failed_steps: dict[str, str] = {}
    for event, timestamp in events:
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            outcome = _from_evaluation(event.event_specific_data, timestamp)
            evaluated[(outcome.asset_key, outcome.check_name)] = outcome
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED:
            data = event.event_specific_data
            planned[(data.asset_key, data.check_name)] = event.step_key
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE and event.step_key:
            failed_steps[event.step_key] = _root_cause(event.event_specific_data.error)
    outcomes = list(evaluated.values())
    for (asset_key, check_name), step_key in planned.items():
        if (asset_key, check_name) not in evaluated and step_key in failed_steps:
            outcomes.append(
                CheckOutcome(
                    asset_key=asset_key,
                    check_name=check_name,
                    passed=False,
                    severity=BLOCKING,
                    description=f"did not complete: step {step_key} failed ({failed_steps[step_key]})",
                    evaluated=False,
                )
            )
    return outcomes


def run_outcomes(instance: dg.DagsterInstance, run_id: str) -> list[CheckOutcome]:
    """The check outcomes of a run, from the instance's event log (so far, if it is still running)."""
    pairs: list[tuple[dg.DagsterEvent, float | None]] = []
    cursor = None
    while True:
        page = instance.get_records_for_run(run_id, cursor=cursor, of_type=_EVENT_TYPES, limit=1000)
        for record in page.records:
            entry = record.event_log_entry
            if entry.dagster_event is not None:
                pairs.append((entry.dagster_event, entry.timestamp))
        if not page.has_more:
            return outcomes_from_events(pairs)
        cursor = page.cursor
