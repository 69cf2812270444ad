"""dbt run inside the step's process: imported once, parsed once per process and data dir.

dagster-dbt's `DbtCliResource` starts a dbt process for every invocation: ~1.6 s of imports, then a
parse of the project (0.5 s partial, 2.8 s full), three times a quarter. Here dbt runs through its
programmatic entry point (`dbtRunner`): its modules are mostly imported already (dagster-dbt imports
them), and the manifest of the first invocation is handed to every later one, dbt's documented way
to reuse it. dbt's result events are turned into Dagster outputs and check results by dagster-dbt's
own `DbtCliEventMessage`, the same conversion its CLI resource applies to the subprocess's JSON lines;
dbt prints its usual progress lines to the step's stdout.

Beyond the libraries' documented surface this relies on dagster-dbt's subset selection
(`get_subset_selection_for_context`), its `DbtCoreCliEventMessage` and dbt-duckdb's class-level
environment; `tests/transform/test_dbt_runner.py` fails if an upgrade changes any of them.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject
from dagster_dbt.asset_utils import (
    DAGSTER_DBT_EXCLUDE_METADATA_KEY,
    DAGSTER_DBT_SELECT_METADATA_KEY,
    DAGSTER_DBT_SELECTOR_METADATA_KEY,
    get_subset_selection_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from dagster_dbt.dbt_manifest import validate_manifest
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from pipelines.settings import WAREHOUSE_FILE

# The dbt events dagster-dbt turns into Dagster events (DbtCoreCliEventMessage.is_result_event).
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})
_DONE = object()

# Parsed manifests of this process, by (project dir, target dir, warehouse file name): the as-of date
# and the segmentation config are read from tables at run time, and of the warehouse path only the
# name counts (parsed_manifest), so nothing a run changes is part of them.
_manifests: dict[tuple[str, str, str], Any] = {}
PARSE_STATE = "partial_parse.msgpack"


def _common_args(project: DbtProject, target: Path) -> list[str]:
    # dbt.log and the artifacts next to the run's target, never in the project folder.
    return [
        "--project-dir", str(project.project_dir),
        "--profiles-dir", str(project.profiles_dir),
        "--target-path", str(target),
        "--log-path", str(target),
        "--no-use-colors",
    ]  # fmt: skip


def release_warehouse() -> None:
    """Close the DuckDB instance dbt-duckdb keeps open after an invocation.

    dbt-duckdb holds its environment (and with it the database file) in a class attribute for the
    next invocation of the process; the steps between dbt's open the warehouse with their own
    settings, which DuckDB refuses while another configuration holds it, and other processes could
    not open the file at all. `tests/transform/test_dbt_runner.py` fails if this stops releasing it.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV
    DuckDBConnectionManager.close_all_connections()
    if env is not None:
        env.close()


def _run(args: Sequence[str], manifest: Any, events: queue.Queue) -> Any:
    """One dbt invocation; result events and error messages go to `events` as they happen."""
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    def forward(msg: Any) -> None:
        # Called from dbt's threads; converting only what is used keeps the ~2,000 debug events cheap.
        if msg.info.name in RESULT_EVENTS or msg.info.level == "error":
            events.put(msg_to_dict(msg))

    try:
        return dbtRunner(manifest=manifest, callbacks=[forward]).invoke(list(args))
    finally:
        release_warehouse()


def _cause(errors: list[str], result: Any) -> str:
    """What made an invocation fail: dbt's error messages, else its exception."""
    return "\n".join(errors) or str(result.exception)


@contextmanager
def _duckdb_path(path: str) -> Iterator[None]:
    """DUCKDB_PATH (which profiles.yml reads the warehouse from) set for one dbt invocation."""
    saved = os.environ.get("DUCKDB_PATH")
    os.environ["DUCKDB_PATH"] = path
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("DUCKDB_PATH")
        else:
            os.environ["DUCKDB_PATH"] = saved


def prepare_if_dev(project: DbtProject) -> None:
    """dagster-dbt's `prepare_if_dev` (under `dagster dev`, a parse of the project into its target),
    made as `make install` and `parsed_manifest` make theirs: with the warehouse's file name as its
    path. With the path of `dagster dev`'s environment instead, the parse state it leaves next to
    the project would be valid for no data dir, and every new data dir's first run would parse the
    whole project again.
    """
    with _duckdb_path(WAREHOUSE_FILE):
        project.prepare_if_dev()


def parsed_manifest(project: DbtProject, target: Path, warehouse: Path) -> Any:
    """The project's manifest, parsed by the first call of the process into `target`: partially,
    from the parse state there, or else from the one `make install` left next to the project.

    The parse sees the warehouse's file name only (a parse never opens it). dbt reuses a parse only
    for the profile it was made with, warehouse path included, while all a parse takes from the path
    is the database name (the file's stem); with the name alone the state is valid for every data
    dir (its warehouse is always `warehouse.duckdb`), so a new one starts from the state `make
    install` left, made the same way, instead of parsing the whole project again (~3 s).
    """
    key = (str(project.project_dir), str(target), warehouse.name)
    if key not in _manifests:
        state, installed = target / PARSE_STATE, project.manifest_path.parent / PARSE_STATE
        if not state.exists() and installed.exists():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(installed, state)
        events: queue.Queue = queue.Queue()
        with _duckdb_path(warehouse.name):
            done = _run(["parse", "--quiet", *_common_args(project, target)], None, events)
        if not done.success:
            errors = [raw["info"]["msg"] for raw in list(events.queue) if raw["info"]["level"] == "error"]
            raise DagsterDbtCliRuntimeError(description=f"dbt parse failed:\n{_cause(errors, done)}")
        _manifests[key] = done.result
    return _manifests[key]


def invoke(
    args: Sequence[str], project: DbtProject, target: Path, warehouse: Path, events: queue.Queue
) -> Any:
    """`dbt <args>` in this process on `warehouse` with the project's manifest (`parsed_manifest`),
    artifacts and log in `target`; result events and error messages go to `events`."""
    manifest = parsed_manifest(project, target, warehouse)
    with _duckdb_path(str(warehouse)):
        return _run([*args, *_common_args(project, target)], manifest, events)


def selection_args(
    context: dg.AssetExecutionContext, manifest: Mapping[str, Any], translator: DagsterDbtTranslator
) -> list[str]:
    """`--select` / `--exclude` for what the step is asked to materialise: the multi-asset's own
    selection when all of it is, else its selected models and tests one by one (dagster-dbt's rule;
    in-process, a long list costs nothing, so its selector-file detour for long lists is not needed)."""
    tags = context.op_execution_context.op.tags
    args, _indirect = get_subset_selection_for_context(
        context=context,
        manifest=manifest,
        select=tags.get(DAGSTER_DBT_SELECT_METADATA_KEY),
        exclude=tags.get(DAGSTER_DBT_EXCLUDE_METADATA_KEY),
        selector=tags.get(DAGSTER_DBT_SELECTOR_METADATA_KEY),
        dagster_dbt_translator=translator,
        # The build's own --indirect-selection decides which tests run with the selected models.
        current_dbt_indirect_selection_env=None,
    )
    return args


def stream_build(
    context: dg.AssetExecutionContext,
    args: Sequence[str],
    project: DbtProject,
    translator: DagsterDbtTranslator,
    target: Path,
    warehouse: Path,
) -> Iterator:
    """Run `dbt <args>` and yield its models' outputs and tests' check results as they finish.

    dbt runs in a worker thread; the step's thread converts and yields its events (the execution
    context belongs to it). Fails the step, after every event, when dbt reports an error.
    """
    # Loaded once (dagster-dbt caches the file's contents, but resolves its path again for every event).
    manifest = validate_manifest(project.manifest_path)
    selection = selection_args(context, manifest, translator)
    events: queue.Queue = queue.Queue()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["result"] = invoke([*args, *selection], project, target, warehouse, events)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the step's thread below
            outcome["error"] = exc
        finally:
            events.put(_DONE)

    # A daemon: a run terminated mid-build ends with its process, dbt's uncommitted writes rolled back.
    threading.Thread(target=work, name="dbt", daemon=True).start()
    errors = []
    while (raw := events.get()) is not _DONE:
        if raw["info"]["level"] == "error":
            errors.append(raw["info"]["msg"])
        if raw["info"]["name"] in RESULT_EVENTS:
            event = DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={})
            yield from event.to_default_asset_events(
                manifest=manifest, dagster_dbt_translator=translator, context=context, project=project
            )
    if "error" in outcome:
        raise outcome["error"]
    result = outcome["result"]
    if not result.success:
        raise DagsterDbtCliRuntimeError(description=f"dbt {' '.join(args)} failed:\n{_cause(errors, result)}")
