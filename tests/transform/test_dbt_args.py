"""The dbt invocations of a quarter: their arguments (a pure helper, `build_dbt_args`) and how the
three multi-assets split the project around the Python steps."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.definitions import defs
from pipelines.jobs import QUARTERLY_JOB
from pipelines.quarters import Quarter
from pipelines.transform.dbt import (
    DBT_ASSETS,
    HISTORY_SELECTION,
    build_dbt_args,
    dbt_cleaned,
    dbt_history,
    dbt_models,
    model_key,
    write_as_of,
)
from pipelines.value.assets import customer_value


def test_no_var_changes_with_the_quarter_so_dbt_parses_once_per_data_dir() -> None:
    # A var in the arguments is part of dbt's parse state: one per quarter meant a full parse per run.
    assert "--vars" not in build_dbt_args() and "--vars" not in build_dbt_args(history=True)


def test_the_as_of_date_is_the_quarters_last_day() -> None:
    with duckdb.connect() as conn:
        # Regression: a quarter before 2000 (any quarter from 1990Q1 on can run).
        for quarter, as_of in (("2025Q4", date(2025, 12, 31)), ("1997Q4", date(1997, 12, 31))):
            write_as_of(conn, Quarter.parse(quarter))
            assert conn.execute("select * from config.run").fetchall() == [(as_of,)]


def test_quarterly_builds_skip_unit_tests_and_never_test_against_models_built_later() -> None:
    args = build_dbt_args()
    assert args[0] == "build"
    assert args[args.index("--exclude-resource-type") + 1] == "unit_test"
    # A test reads models built in the invocation or before it (a mart against a catalog of
    # dbt_cleaned), never one downstream that still holds another quarter.
    assert args[args.index("--indirect-selection") + 1] == "buildable"


def test_history_is_built_on_one_thread_after_the_marts() -> None:
    # dbt-duckdb's incremental models are not safe with several threads on one file.
    history = build_dbt_args(history=True)
    assert history[history.index("--threads") + 1] == "1"
    assert "--threads" not in build_dbt_args()
    assert HISTORY_SELECTION == "path:models/history"
    assert not set(dbt_models.keys) & set(dbt_history.keys)
    assert {key.path[0] for key in dbt_history.keys} == {"history"}


def test_three_dbt_steps_split_the_project_around_the_predicted_value() -> None:
    keys = [set(assets.keys) for assets in DBT_ASSETS]
    assert sum(map(len, keys)) == len(set().union(*keys))  # each model in one invocation
    # The fit reads cleaned models; the rules (int_customers_rfm_scored) read its predictions.
    inputs = {key for key in customer_value.dependency_keys if key not in customer_value.keys}
    assert inputs and inputs <= set(dbt_cleaned.keys)
    assert {model_key("int_customers_features"), model_key("int_customers_rfm_scored")} <= set(
        dbt_models.keys
    )
    # Dagster runs each multi-asset as one step: three dbt invocations per quarter, not more.
    job = defs.resolve_job_def(QUARTERLY_JOB)
    assert sorted(n.name for n in job.graph.nodes if n.name.startswith("dbt")) == [
        "dbt_cleaned",
        "dbt_history",
        "dbt_models",
    ]
