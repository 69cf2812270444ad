"""The dbt invocations of a quarter (a pure helper: `build_dbt_args`)."""

from __future__ import annotations

import json

from pipelines.quarters import Quarter
from pipelines.transform.dbt import HISTORY_SELECTION, build_dbt_args, dbt_history, dbt_models


def _vars(args: list[str]) -> dict[str, str]:
    return json.loads(args[args.index("--vars") + 1])


def test_the_as_of_date_is_the_quarters_last_day() -> None:
    assert _vars(build_dbt_args(Quarter.parse("2025Q4"))) == {"as_of_date": "2025-12-31"}
    # Regression: a quarter before 2000 (any quarter from 1990Q1 on can run).
    assert _vars(build_dbt_args(Quarter.parse("1997Q4"))) == {"as_of_date": "1997-12-31"}


def test_quarterly_builds_skip_unit_tests_and_never_test_against_unselected_models() -> None:
    args = build_dbt_args(Quarter.parse("2025Q4"))
    assert args[0] == "build"
    assert args[args.index("--exclude-resource-type") + 1] == "unit_test"
    # A test reading a model the run did not select would judge another quarter's table.
    assert args[args.index("--indirect-selection") + 1] == "cautious"


def test_history_is_built_on_one_thread_after_the_marts() -> None:
    # dbt-duckdb's incremental models are not safe with several threads on one file.
    history = build_dbt_args(Quarter.parse("2025Q4"), history=True)
    assert history[history.index("--threads") + 1] == "1"
    assert "--threads" not in build_dbt_args(Quarter.parse("2025Q4"))
    assert HISTORY_SELECTION == "path:models/history"
    assert not set(dbt_models.keys) & set(dbt_history.keys)
    assert {key.path[0] for key in dbt_history.keys} == {"history"}
