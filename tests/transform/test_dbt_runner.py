"""dbt in the step's process (pipelines/transform/dbt_runner.py): a subset runs only what was asked,
the warehouse is released when dbt is done, a new data dir partial-parses, and a project that does not
parse fails naming the file.

The runner relies on three things of its libraries beyond their documented surface: dagster-dbt's
subset selection (`get_subset_selection_for_context`) and event conversion (`DbtCoreCliEventMessage`,
whose output the subset test reads), and dbt-duckdb's class-level environment, which it closes.
These tests fail if an upgrade changes any of them. A new data dir starts from the parse state of
`make install` (partial parsing), which the first test's fresh data dir shows in dbt's log.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_dbt import DbtProject
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from pipelines.config import load_config
from pipelines.resources import Warehouse
from pipelines.settings import DBT_PROJECT_DIR, DEFAULT_CONFIG_PATH
from pipelines.transform.dbt import dbt_cleaned, model_key, run_target_dir
from pipelines.transform.dbt_runner import parsed_manifest, prepare_if_dev
from tests.transform.conftest import LATEST, prepare_warehouse

MODEL = "stg_crm__customers"


@pytest.fixture(scope="module")
def subset_run(
    raw_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dg.ExecuteInProcessResult]:
    data_dir = tmp_path_factory.mktemp("runner")
    warehouse = prepare_warehouse(
        raw_warehouse, data_dir / "warehouse.duckdb", load_config(DEFAULT_CONFIG_PATH)
    )
    result = dg.materialize(
        [dbt_cleaned],
        selection=[model_key(MODEL)],
        partition_key=f"{LATEST.year}-10-01",
        resources={"warehouse": Warehouse(data_dir=str(data_dir))},
    )
    return warehouse, result


def test_a_subset_builds_and_tests_only_the_selected_model(subset_run) -> None:
    warehouse, result = subset_run
    assert result.success
    assert {e.asset_key for e in result.get_asset_materialization_events()} == {model_key(MODEL)}
    evaluations = result.get_asset_check_evaluations()
    assert evaluations, "the model's dbt tests ran as checks"
    # The model's tests only (the source it reads has none: the extraction quarantines bad rows).
    assert {e.asset_key for e in evaluations} == {model_key(MODEL)}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        built = {
            row[0]
            for row in conn.execute(
                "select table_name from duckdb_tables() where schema_name = 'staging'"
            ).fetchall()
        }
    assert built == {MODEL}


def test_a_new_data_dir_starts_from_the_parse_state_of_make_install(subset_run) -> None:
    warehouse, _ = subset_run
    log = (run_target_dir(warehouse.parent) / "dbt.log").read_text()
    assert "Unable to do partial parsing" not in log
    assert "Partial parsing enabled" in log


def test_the_warehouse_is_released_when_dbt_is_done(subset_run) -> None:
    warehouse, _ = subset_run
    # In this process, with settings other than dbt-duckdb's (DuckDB refuses while another holds it)...
    with duckdb.connect(str(warehouse), config={"threads": 1}) as conn:
        assert conn.execute(f"select count(*) from staging.{MODEL}").fetchone()[0] > 0
    # ...and from another process (the file lock).
    done = subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect({str(warehouse)!r}).close()"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_a_model_that_does_not_parse_fails_naming_the_file(tmp_path: Path) -> None:
    project_dir = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project_dir, ignore=shutil.ignore_patterns("target", "logs"))
    (project_dir / "models" / "marts" / "broken_model.sql").write_text("select {{ ref('dim_customers' }}\n")
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    with pytest.raises(DagsterDbtCliRuntimeError, match=r"dbt parse failed:(.|\n)*broken_model"):
        parsed_manifest(project, tmp_path / "target", tmp_path / "warehouse.duckdb")


def test_dagster_devs_parse_leaves_a_state_a_new_data_dir_starts_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_dir = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project_dir, ignore=shutil.ignore_patterns("target", "logs"))
    # `dagster dev`'s environment (`make dev`): its marker, the venv's dbt on PATH, and no DUCKDB_PATH
    # (profiles.yml's default path).
    monkeypatch.setenv("DAGSTER_IS_DEV_CLI", "1")
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    monkeypatch.delenv("DUCKDB_PATH", raising=False)
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    prepare_if_dev(project)
    assert project.manifest_path.exists()
    # A new data dir's first parse, as a run makes it, starts from the state dagster dev left.
    target = tmp_path / "data" / "target"
    parsed_manifest(project, target, tmp_path / "data" / "warehouse.duckdb")
    log = (target / "dbt.log").read_text()
    assert "Unable to do partial parsing" not in log
    assert "Partial parsing enabled" in log
