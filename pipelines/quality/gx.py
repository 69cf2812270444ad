"""Great Expectations 1.x, called directly: load a suite from `expectations/` and validate a bounded
pandas frame against it in an ephemeral context.

Suites are versioned JSON files (`expectations/<name>.json`, GX's own suite format); thresholds that
come from the config are suite parameters (`{"$PARAMETER": "max_quarantine_rate"}`) passed at
validation time, so a suite file never holds a business's numbers. Frames handed to GX are always
small (aggregates, per-segment tables, column lists): the row-level work stays in DuckDB. Dagster is
the only store of results (check metadata, and `quality_results` in the warehouse); GX keeps nothing.

great_expectations is imported inside the functions: it takes seconds to import, and loading the
Dagster definitions (UI, CLI) must not pay for it.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipelines.settings import EXPECTATIONS_DIR

DATASOURCE = "quality_frames"
BATCH_DEFINITION = "whole_frame"


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation of a suite, as validated: what it asked and what it found."""

    expectation: str
    column: str | None
    success: bool
    observed: Any
    kwargs: dict[str, Any]

    def describe(self) -> str:
        """E.g. `customers: found 0, expected >= 1 (column_min_to_be_between)` (failure messages)."""
        target = self.column
        observed = self.observed
        if isinstance(observed, dict) and "unexpected_values" in observed:
            # a value test on a profile: show the offending values (one row: the value itself)
            values = observed["unexpected_values"]
            observed = values[0] if len(values) == 1 and observed.get("unexpected_count") == 1 else values
        found, bounds = _short(observed), _bounds(self.kwargs)
        text = f"{target or 'table'}: " + (f"found {found}" if found else "failed")
        text += f", expected {bounds}" if bounds else ""
        return f"{text} ({self.expectation.removeprefix('expect_')})"


@dataclass(frozen=True)
class SuiteResult:
    """A suite's verdict on a frame."""

    suite: str
    success: bool
    outcomes: list[ExpectationOutcome]
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def failed_expectations(self) -> list[str]:
        return [o.describe() for o in self.outcomes if not o.success]


@functools.lru_cache(maxsize=32)
def _suite_text(name: str) -> str:
    path = EXPECTATIONS_DIR / f"{name}.json"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"GX suite {name!r}: no file {path}") from exc


def load_suite_dict(name: str) -> dict[str, Any]:
    """The suite file `expectations/<name>.json` as a dict (GX's suite JSON: name, expectations, meta)."""
    path = EXPECTATIONS_DIR / f"{name}.json"
    suite = json.loads(_suite_text(name))
    if suite.get("name") != name:
        raise ValueError(f"GX suite file {path}: 'name' is {suite.get('name')!r}, expected {name!r}")
    return suite


def validate(
    frame: pd.DataFrame, suite_name: str, parameters: Mapping[str, Any] | None = None
) -> SuiteResult:
    """Validate `frame` (small!) against the suite `expectations/<suite_name>.json`."""
    import great_expectations as gx

    params = {k: plain(v) for k, v in (parameters or {}).items()}
    suite = gx.ExpectationSuite(**load_suite_dict(suite_name))
    batch = _batch_definition(_ephemeral_context(), suite_name).get_batch(
        batch_parameters={"dataframe": frame}
    )
    result = batch.validate(suite, expectation_parameters=params, result_format="SUMMARY")
    return SuiteResult(
        suite=suite_name,
        success=bool(result.success),
        outcomes=[_outcome(r) for r in result.results],
        parameters=params,
    )


@functools.cache
def _ephemeral_context() -> Any:
    """One in-memory context per process (creating one costs more than a validation)."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    return context


def _batch_definition(context: Any, name: str) -> Any:
    """The whole-frame batch definition of the pandas asset named after the suite (made once)."""
    try:
        source = context.data_sources.get(DATASOURCE)
    except KeyError:
        source = context.data_sources.add_pandas(DATASOURCE)
    asset = next((a for a in source.assets if a.name == name), None) or source.add_dataframe_asset(name)
    return next(
        (b for b in asset.batch_definitions if b.name == BATCH_DEFINITION), None
    ) or asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)


def _outcome(result: Any) -> ExpectationOutcome:
    config = result.expectation_config
    kwargs = {k: plain(v) for k, v in config.kwargs.items() if k not in ("batch_id",)}
    details = result.result or {}
    if details.get("missing_count"):
        # a set that should be contained: name what is missing (observed_value is null then)
        observed = {"missing": plain(details.get("partial_missing_list", [])[:10])}
    elif "observed_value" in details:
        observed = plain(details["observed_value"])
    elif details.get("unexpected_count"):
        observed = {
            "unexpected_count": details.get("unexpected_count"),
            "unexpected_values": plain(details.get("partial_unexpected_list", [])[:10]),
        }
    else:
        observed = None
    return ExpectationOutcome(
        expectation=config.type,
        column=kwargs.get("column"),
        success=bool(result.success),
        observed=observed,
        kwargs=kwargs,
    )


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _bounds(kwargs: Mapping[str, Any]) -> str:
    low, high = _number(kwargs.get("min_value")), _number(kwargs.get("max_value"))
    if low is not None and high is not None:
        return f"= {low}" if low == high else f"between {low} and {high}"
    if low is not None:
        return f">= {low}"
    if high is not None:
        return f"<= {high}"
    if "value_set" in kwargs:
        values = kwargs["value_set"]
        shown = values if len(values) <= 8 else [*values[:8], "..."]
        return f"in {shown}"
    return ""


def _short(value: Any) -> str:
    if value is None:
        return ""
    value = _number(value)
    if isinstance(value, float):
        return f"{value:.4g}"  # a message, not a record: the exact value is in the metadata
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 200 else text[:197] + "..."


def plain(value: Any) -> Any:
    """JSON-friendly Python values (numpy scalars, NaN, tuples, decimals) for metadata and tables."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            return str(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)
