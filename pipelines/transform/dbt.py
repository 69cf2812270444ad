"""dbt models and tests as Dagster assets and checks, built per quarter as of the date in config.run.

Three invocations of the same project, one multi-asset each, split where Python steps read and write
between them:
  `dbt_cleaned`  everything that does not read the predicted value: staging, the cleaned customers and
                 orders (which the value fit reads), the catalogs;
  `dbt_models`   everything that does (`source:value+`): features, scores, segments, tags, marts;
  `dbt_history`  models/history: the quarter-keyed history and the latest views.
Declaring the split here, rather than letting Dagster cut one subsettable multi-asset around the value
asset, keeps it at three invocations (Dagster's own cut made seven). Dagster runs a step only when the
ones before it succeeded and every blocking check upstream passed, so a quarter whose marts fail a
test never reaches history, and nothing of it is published.

The manifest is prepared at install time (`make install` runs `dbt parse`) or by `dagster dev`
(`prepare_if_dev`, made the same way), never on every import.
"""

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtProject,
    dbt_assets,
    get_asset_key_for_model,
)

from pipelines.partitions import QUARTERLY, partition_quarter, quarterly_partitions, tag_run
from pipelines.quarters import Quarter
from pipelines.resources import Warehouse
from pipelines.settings import DBT_PROJECT_DIR
from pipelines.transform.dbt_runner import prepare_if_dev, stream_build

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
prepare_if_dev(dbt_project)

HISTORY_SELECTION = "path:models/history"
# The models that read the predicted value (and so run after pipelines/value), history aside.
SCORED_SELECTION = "source:value+"


class SegmentsTranslator(DagsterDbtTranslator):
    """Groups models by their dbt folder (staging / intermediate / marts / history); keys stay dbt's
    own. dbt tests become checks of the quarter they judged (partitioned like their assets)."""

    def __init__(self) -> None:
        super().__init__(
            settings=DagsterDbtTranslatorSettings(
                enable_source_tests_as_checks=True, enable_code_references=True
            )
        )

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] in ("model", "seed", "snapshot") and len(props["fqn"]) > 2:
            spec = spec.replace_attributes(group_name=props["fqn"][1], kinds={"dbt", "duckdb"})
        return spec

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> dg.AssetCheckSpec | None:
        # dagster-dbt makes its checks unpartitioned: their results would belong to no quarter.
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        return spec._replace(partitions_def=quarterly_partitions) if spec else None


def run_target_dir(data_dir: Path) -> Path:
    """Where the quarterly runs' dbt keeps its parse state, manifest and log for `data_dir`."""
    return data_dir / "dbt_target"


def built_manifest(data_dir: Path) -> Path:
    """The dbt manifest that describes the tables in `data_dir`'s warehouse.

    That of the last dbt run there (written by the parse that run's process starts with: it knows
    the tables' current columns and what is published), else the one dagster-dbt loads (`dbt parse`
    at install).
    """
    built = run_target_dir(data_dir) / "manifest.json"
    return built if built.is_file() else dbt_project.manifest_path


# The as-of date of the build in progress, read by the macro as_of_date_value at run time. Not a dbt
# var: vars are part of dbt's parse state, so a var that changes every quarter made every run parse
# the whole project again; with the date in a table, every invocation after the first in a data dir
# parses only what changed.
RUN_TABLE_DDL = (
    "create schema if not exists config; create or replace table config.run (as_of_date date not null)"
)


def write_as_of(conn: duckdb.DuckDBPyConnection, quarter: Quarter) -> None:
    """Record the quarter's last day as the as-of date of the dbt builds that follow."""
    conn.execute(RUN_TABLE_DDL)
    conn.execute("insert into config.run values ($d)", {"d": quarter.as_of})


def build_dbt_args(history: bool = False) -> list[str]:
    """`dbt build` for one snapshot (its date: config.run, write_as_of)."""
    # Unit tests check the SQL, not the data: `make test` runs them, quarterly runs skip them.
    # buildable: a test runs with the models it reads, each either built in this invocation or built
    # before it (upstream, e.g. a relationship from a mart to a catalog of dbt_cleaned), never with a
    # model downstream of the selection that still holds another quarter.
    # --no-write-json: the builds leave no artifacts (~0.35 s each, a third of a build's fixed cost);
    # the manifest the publisher reads (built_manifest) is the one the process's parse wrote there,
    # and each node's result is in the Dagster event log.
    args = [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--indirect-selection",
        "buildable",
        "--no-write-json",
    ]
    if history:
        # Incremental models: dbt-duckdb with several threads on one file is known to break them.
        args += ["--threads", "1"]
    return args


def _build(context: dg.AssetExecutionContext, warehouse: Warehouse, history: bool) -> Iterator:
    tag_run(context)
    quarter = partition_quarter(context)
    context.log.info(f"dbt build as of {quarter.as_of} into {warehouse.path}")
    with warehouse.connect() as conn:
        write_as_of(conn, quarter)
    # A stable target path keeps dbt's partial-parse state between runs: a process parses once, from
    # the state the last one left.
    target = run_target_dir(warehouse.paths().data_dir)
    yield from stream_build(context, build_dbt_args(history), dbt_project, TRANSLATOR, target, warehouse.path)


TRANSLATOR = SegmentsTranslator()
_SHARED = {
    "manifest": dbt_project.manifest_path,
    "project": dbt_project,
    **QUARTERLY,
    "dagster_dbt_translator": TRANSLATOR,
    "pool": "duckdb",
}


@dbt_assets(exclude=f"{SCORED_SELECTION} {HISTORY_SELECTION}", name="dbt_cleaned", **_SHARED)
def dbt_cleaned(context: dg.AssetExecutionContext, warehouse: Warehouse) -> Iterator:
    """Type, deduplicate and clean the quarter's customers, orders and tickets; the catalogs (dbt build)."""
    yield from _build(context, warehouse, history=False)


@dbt_assets(select=SCORED_SELECTION, exclude=HISTORY_SELECTION, name="dbt_models", **_SHARED)
def dbt_models(context: dg.AssetExecutionContext, warehouse: Warehouse) -> Iterator:
    """Feature, score, segment and tag the customers of one quarter (dbt build)."""
    yield from _build(context, warehouse, history=False)


@dbt_assets(select=HISTORY_SELECTION, name="dbt_history", **_SHARED)
def dbt_history(context: dg.AssetExecutionContext, warehouse: Warehouse) -> Iterator:
    """Replace the quarter in every history table and refresh the latest views (dbt build)."""
    yield from _build(context, warehouse, history=True)


DBT_ASSETS = [dbt_cleaned, dbt_models, dbt_history]


def model_key(model: str) -> dg.AssetKey:
    """The asset key of a dbt model, whichever invocation builds it (dagster-dbt looks the name up in
    the whole manifest, whatever the selection of the definition it is given)."""
    return get_asset_key_for_model([dbt_models], model)


defs = dg.Definitions(assets=dg.with_source_code_references(DBT_ASSETS))
