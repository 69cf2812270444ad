"""Session fixtures: real runs of the quarterly job (`quarterly_segments` from the code location:
extract with its GX checks, dbt models and tests, history, publish with its drift warnings) on
small generated or crafted sources, executed in-process against one Dagster instance.

On one data dir, in order: a clean quarter (2025Q3), then the next one with the warning bounds
tightened (2025Q4: warnings fire, the run still publishes). The data dir as the warning run left it
(two quarters in history, a published file) is copied for each run that must fail, so that each
failure is judged against the same published file and history:

- an empty population (2020Q4, before any customer registered): a dbt test on dim_customers fails;
- a CRM file whose every row is unusable (2025Q2): raw_schema_and_keys on crm/customers fails;
- then, on the same copy and quarter, a re-run whose orders lose rows after the load (row_accounting
  on shop/orders) and whose tickets table lacks a contract column (raw_schema_and_keys on
  helpdesk/tickets);
- a raw CRM table holding a customer twice, built by the dbt step alone (2025Q2): the dbt test
  primary_key_stg_crm__customers_customer_id fails;
- a CRM that lost most of its customers (2026Q1): the history guard (dbt test
  assert_segment_row_count_no_large_drop on history/segment_history) fails.

A failed run never reaches its publish step; its check results are recorded as `segments run`
(pipelines.runs.record_run) or the run-failure sensor `record_failed_runs` record them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
import yaml

from pipelines import instance_storage
from pipelines.generate import generate_sources
from pipelines.quarters import Quarter
from pipelines.settings import DEFAULT_CONFIG_PATH

CLEAN = Quarter.parse("2025Q3")
DRIFTED = Quarter.parse("2025Q4")
# The sources hold one year of history (2025), so nobody had registered by the end of 2020.
EMPTY = Quarter.parse("2020Q4")
# A quarter with customers that no run before the failing ones wrote to history.
BLOCKED = Quarter.parse("2025Q2")
# The quarter after those in history, whose CRM lost most customers (the history guard's case).
SHRUNK = Quarter.parse("2026Q1")
# Share of the CRM's customers the shrunk source keeps (the guard allows a drop of 10 %).
SHRUNK_KEEP = 0.4
# Warning bounds so tight that any real quarter-to-quarter change crosses them.
TIGHT_QUALITY = {
    "max_segment_share_change_points": 0.001,
    "max_mean_monetary_change": 0.0001,
    "max_quarantine_rate": 0.0001,
    "max_volume_change": 0.5,
}
PUBLISHED = "published/segments"
# The grain key test of dim_customers as a check key (asset, name), as dagster-dbt names it.
DIM_CUSTOMERS_KEY = ("marts/dim_customers", "primary_key_dim_customers_customer_id")
EXTRACT_PREFIXES = ("crm", "shop", "helpdesk")


@dataclass(frozen=True)
class PipelineRun:
    quarter: Quarter
    result: dg.ExecuteInProcessResult
    instance: dg.DagsterInstance
    data_dir: Path
    # a copy of the warehouse taken right after the run (later runs change it)
    warehouse_copy: Path | None = None

    @property
    def run_id(self) -> str:
        return self.result.run_id

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def published_file(self) -> Path:
        return self.data_dir / "published" / "segments.duckdb"

    def materialized(self) -> set[str]:
        return {e.asset_key.to_user_string() for e in self.result.get_asset_materialization_events()}

    def evaluations(self) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
        """(asset, check) -> the run's evaluation, read from the run's own events."""
        return {
            (e.asset_key.to_user_string(), e.check_name): e
            for e in (
                event.event_specific_data
                for event in self.result.all_events
                if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
            )
        }


@dataclass(frozen=True)
class WarehouseState:
    """What a failed run must leave as it was: the published file and the history tables."""

    published_digest: str | None
    # snapshot_date -> rows, per history table (customer_contacts included)
    history: dict[str, dict[date, int]]
    # snapshot_date -> version of its current write (history.history_snapshots)
    versions: dict[date, str]


@dataclass(frozen=True)
class FailedRun:
    run: PipelineRun
    before: WarehouseState
    after: WarehouseState
    # main.quality_results rows of the run's quarter, read right after the run was recorded
    quality_rows: list[dict[str, Any]]
    # main.quality_results rows of the other quarters, idem
    other_quality_rows: list[dict[str, Any]]
    # per source: rows kept in its raw table and rows in quarantine, idem
    raw_counts: dict[str, dict[str, int]]


@contextmanager
def pipeline_env(data_dir: Path, sources: Path, config: Path | None = None) -> Iterator[None]:
    """The environment a run reads its paths and config from (resources resolve it at run time)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEGMENTS_DATA_DIR", str(data_dir))
        patch.setenv("SEGMENTS_SOURCE_DIR", str(sources))
        patch.setenv("SEGMENTS_PII_SALT", "quality-tests-salt")
        if config is None:
            patch.delenv("SEGMENTS_CONFIG", raising=False)
        else:
            patch.setenv("SEGMENTS_CONFIG", str(config))
        yield


def file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


HISTORY_TABLES = (
    "segment_history",
    "segment_summary",
    "tag_history",
    "rfm_calibration",
    "tag_catalog_history",
    "customer_contacts",
)


def warehouse_state(data_dir: Path) -> WarehouseState:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as conn:
        history = {
            table: dict(
                conn.execute(f"select snapshot_date, count(*) from history.{table} group by all").fetchall()
            )
            for table in HISTORY_TABLES
        }
        versions = dict(
            conn.execute("select snapshot_date, version from history.history_snapshots").fetchall()
        )
    return WarehouseState(file_digest(data_dir / "published" / "segments.duckdb"), history, versions)


def quality_rows(warehouse: Path, snapshot: date, same: bool = True) -> list[dict[str, Any]]:
    """main.quality_results rows of `snapshot` (or, with same=False, of every other snapshot)."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        cursor = conn.execute(
            f"select * from main.quality_results where snapshot_date {'=' if same else '!='} ? "
            "order by asset_key, check_name",
            [snapshot],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def execute(
    quarter: Quarter,
    instance: dg.DagsterInstance,
    data_dir: Path,
    sources: Path,
    config: Path | None = None,
    asset_selection: Sequence[dg.AssetKey] | None = None,
) -> PipelineRun:
    """One in-process run of the real quarterly job for `quarter`."""
    from pipelines.definitions import defs
    from pipelines.jobs import QUARTERLY_JOB

    job = defs.resolve_job_def(QUARTERLY_JOB)
    with pipeline_env(data_dir, sources, config):
        result = job.execute_in_process(
            partition_key=quarter.partition_key,
            instance=instance,
            raise_on_error=False,
            asset_selection=asset_selection,
        )
    return PipelineRun(quarter, result, instance, data_dir)


def record_like_the_cli(run: PipelineRun, sources: Path) -> None:
    """What `segments run` does after a failed run (pipelines/runs.py)."""
    from pipelines.quality.results import record_run
    from pipelines.resources import Warehouse

    with pipeline_env(run.data_dir, sources), Warehouse().connect() as conn:
        record_run(run.instance, run.result.dagster_run, conn)


def record_like_the_sensor(run: PipelineRun, sources: Path) -> None:
    """What the daemon does after a failed run: evaluate the run-failure sensor of the code location."""
    from pipelines.definitions import defs

    [failure] = [e for e in run.result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE]
    sensor = defs.get_sensor_def("record_failed_runs")
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_event=failure,
        dagster_instance=run.instance,
        dagster_run=run.result.dagster_run,
    ).for_run_failure()
    with pipeline_env(run.data_dir, sources):
        sensor(context)


def failed_run(
    run_it: Callable[[], PipelineRun], data_dir: Path, sources: Path, record: Callable | None
) -> FailedRun:
    before = warehouse_state(data_dir)
    run = run_it()
    if not run.result.success and record is not None:
        record(run, sources)
    return FailedRun(
        run,
        before,
        warehouse_state(data_dir),
        quality_rows(run.warehouse, run.quarter.as_of),
        quality_rows(run.warehouse, run.quarter.as_of, same=False),
        raw_counts(run.warehouse),
    )


def raw_counts(warehouse: Path) -> dict[str, dict[str, int]]:
    from pipelines.extract.sources import SOURCES

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return {
            source.name: {
                "kept": conn.execute(f"select count(*) from {source.schema}.{source.table}").fetchone()[0],
                "quarantined": conn.execute(
                    "select count(*) from quarantine where source = ?", [source.name]
                ).fetchone()[0],
            }
            for source in SOURCES
        }


# ------------------------------------------------------------------------------------------ sources


@pytest.fixture(scope="session")
def quality_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("quality_sources")
    generate_sources(out, customers=1200, seed=11, end_date=date(2025, 12, 31), years=1, fmt="parquet")
    return out


@pytest.fixture(scope="session")
def unusable_crm_sources(quality_sources: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real orders and tickets, and a CRM file whose only rows are unusable: one without
    registered_at, one without customer_id (both required)."""
    out = tmp_path_factory.mktemp("unusable_crm_sources")
    for name in ("orders.parquet", "tickets.parquet"):
        (out / name).symlink_to(quality_sources / name)
    (out / "crm_customers.csv").write_text(
        "customer_id,name,registered_at,updated_at\n"
        "C900001,Ann,,2025-03-01T00:00:00Z\n"
        ",Bob,2025-01-05T00:00:00Z,2025-03-01T00:00:00Z\n",
        encoding="utf-8",
    )
    return out


@pytest.fixture(scope="session")
def shrunk_crm_sources(quality_sources: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real orders and tickets, and the CRM without most of its customers (their orders and
    tickets go to quarantine as unknown customers)."""
    out = tmp_path_factory.mktemp("shrunk_crm_sources")
    for name in ("orders.parquet", "tickets.parquet"):
        (out / name).symlink_to(quality_sources / name)
    crm = quality_sources / "crm_customers.parquet"
    kept = f"hash(customer_id) % 100 < {int(SHRUNK_KEEP * 100)}"
    duckdb.execute(
        f"copy (select * from read_parquet('{crm}') where {kept}) "
        f"to '{out / 'crm_customers.parquet'}' (format parquet)"
    )
    return out


# ------------------------------------------------------------------------------------------- runs


@pytest.fixture(scope="session")
def quality_instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dg.DagsterInstance]:
    # The storage of the instance `segments` writes (pipelines/instance_storage.py), not the default.
    home = tmp_path_factory.mktemp("dagster_home")
    storage = yaml.safe_load(instance_storage.instance_yaml(home))
    with dg.instance_for_test(temp_dir=str(home), overrides=storage) as instance:
        assert isinstance(instance.event_log_storage, instance_storage.PooledSqliteEventLogStorage)
        yield instance


@pytest.fixture(scope="session")
def pipeline_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("quality_pipeline") / "data"


@pytest.fixture(scope="session")
def clean_run(
    quality_sources: Path,
    quality_instance: dg.DagsterInstance,
    pipeline_data_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> PipelineRun:
    run = execute(CLEAN, quality_instance, pipeline_data_dir, quality_sources)
    # Kept aside before the later runs change it: the function-level tests craft copies of it.
    copy = tmp_path_factory.mktemp("clean_warehouse") / "warehouse.duckdb"
    shutil.copyfile(run.warehouse, copy)
    return dataclasses.replace(run, warehouse_copy=copy)


@pytest.fixture(scope="session")
def clean_warehouse(clean_run: PipelineRun) -> Path:
    """The warehouse as the clean run left it (2025Q3 raw tables, marts, history, quality_results)."""
    assert clean_run.result.success, "the clean run failed; see test_clean_run_*"
    assert clean_run.warehouse_copy is not None
    return clean_run.warehouse_copy


@pytest.fixture(scope="session")
def tight_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    # the drift bounds tight, the others (tag coverage) as shipped
    config["quality"] = config["quality"] | TIGHT_QUALITY
    path = tmp_path_factory.mktemp("tight_config") / "segments.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def warning_run(
    clean_run: PipelineRun,
    quality_sources: Path,
    tight_config: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> PipelineRun:
    run = execute(DRIFTED, clean_run.instance, clean_run.data_dir, quality_sources, tight_config)
    copy = tmp_path_factory.mktemp("after_warning") / "data"
    shutil.copytree(run.data_dir, copy)
    return dataclasses.replace(run, warehouse_copy=copy / "warehouse.duckdb")


@pytest.fixture(scope="session")
def published_state(warning_run: PipelineRun) -> Path:
    """The data dir as the warning run left it: 2025Q3 and 2025Q4 in history and published."""
    assert warning_run.result.success, "the warning run failed; see test_warnings_*"
    assert warning_run.warehouse_copy is not None
    return warning_run.warehouse_copy.parent


def copy_published_state(published_state: Path, tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    data_dir = tmp_path_factory.mktemp(name) / "data"
    shutil.copytree(published_state, data_dir)
    return data_dir


@pytest.fixture(scope="session")
def empty_population_run(
    published_state: Path,
    quality_instance: dg.DagsterInstance,
    quality_sources: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> FailedRun:
    data_dir = copy_published_state(published_state, tmp_path_factory, "empty_population")
    return failed_run(
        lambda: execute(EMPTY, quality_instance, data_dir, quality_sources),
        data_dir,
        quality_sources,
        record_like_the_sensor,
    )


@pytest.fixture(scope="session")
def unusable_crm_run(
    published_state: Path,
    quality_instance: dg.DagsterInstance,
    unusable_crm_sources: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> FailedRun:
    data_dir = copy_published_state(published_state, tmp_path_factory, "unusable_crm")
    return failed_run(
        lambda: execute(BLOCKED, quality_instance, data_dir, unusable_crm_sources),
        data_dir,
        unusable_crm_sources,
        record_like_the_cli,
    )


@dataclass(frozen=True)
class DamagedLoad:
    """What the damaged loads did: the orders the real load kept and how many were deleted after it,
    and the contract column dropped from the raw tickets table."""

    orders_kept: int
    orders_deleted: int
    tickets_dropped_column: str


ORDERS_LOST = 5
TICKETS_DROPPED_COLUMN = "channel"


@pytest.fixture(scope="session")
def damaged_load_run(
    unusable_crm_run: FailedRun,
    quality_instance: dg.DagsterInstance,
    quality_sources: Path,
) -> tuple[FailedRun, DamagedLoad]:
    """A re-run of the unusable CRM run's quarter on its data dir, with the real sources, whose
    orders lose rows right after the load (row accounting) and whose tickets table loses a contract
    column (raw schema). Recorded by the run-failure sensor; replaces the first run's results."""
    from pipelines.extract import assets
    from pipelines.extract.load import load_source as real_load_source

    loads: dict[str, Any] = {}

    def damaging_load(conn: duckdb.DuckDBPyConnection, spec: Any, *args: Any, **kwargs: Any) -> Any:
        result = real_load_source(conn, spec, *args, **kwargs)
        loads[spec.name] = result
        if spec.name == "orders":
            conn.execute(
                "delete from shop.orders where order_id in "
                f"(select order_id from shop.orders where _is_latest order by order_id limit {ORDERS_LOST})"
            )
        elif spec.name == "tickets":
            conn.execute(f"alter table helpdesk.tickets drop column {TICKETS_DROPPED_COLUMN}")
        return result

    data_dir = unusable_crm_run.run.data_dir
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assets, "load_source", damaging_load)
        run = failed_run(
            lambda: execute(BLOCKED, quality_instance, data_dir, quality_sources),
            data_dir,
            quality_sources,
            record_like_the_sensor,
        )
    orders_kept = loads["orders"].rows_kept if "orders" in loads else -1
    return run, DamagedLoad(orders_kept, ORDERS_LOST, TICKETS_DROPPED_COLUMN)


@pytest.fixture(scope="session")
def dbt_test_run(
    published_state: Path,
    quality_instance: dg.DagsterInstance,
    quality_sources: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> FailedRun:
    """The raw CRM table holds one customer twice as latest version (what raw_schema_and_keys would
    have stopped): every step of the real job but extraction runs, and a dbt test must fail."""
    from pipelines.definitions import defs
    from pipelines.jobs import QUARTERLY_JOB

    data_dir = copy_published_state(published_state, tmp_path_factory, "dbt_test")
    with duckdb.connect(str(data_dir / "warehouse.duckdb")) as conn:
        conn.execute(
            "insert into crm.customers select * from crm.customers "
            "where _is_latest and registered_at < date '2025-04-01' order by customer_id limit 1"
        )
    graph = defs.resolve_job_def(QUARTERLY_JOB).asset_layer.asset_graph
    not_extraction = [key for key in graph.materializable_asset_keys if key.path[0] not in EXTRACT_PREFIXES]
    return failed_run(
        lambda: execute(BLOCKED, quality_instance, data_dir, quality_sources, asset_selection=not_extraction),
        data_dir,
        quality_sources,
        record_like_the_cli,
    )


@pytest.fixture(scope="session")
def history_guard_run(
    published_state: Path,
    quality_instance: dg.DagsterInstance,
    shrunk_crm_sources: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> FailedRun:
    data_dir = copy_published_state(published_state, tmp_path_factory, "history_guard")
    return failed_run(
        lambda: execute(SHRUNK, quality_instance, data_dir, shrunk_crm_sources),
        data_dir,
        shrunk_crm_sources,
        record_like_the_cli,
    )


# ------------------------------------------------------------------------------------------ helpers


def dbt_test_severities(data_dir: Path) -> dict[str, str]:
    """dbt test name -> its configured severity ('error'/'warn'), from the manifest the run built."""
    manifest = json.loads((data_dir / "dbt_target" / "manifest.json").read_text(encoding="utf-8"))
    return {
        node["name"]: str(node["config"]["severity"]).lower()
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
    }


@pytest.fixture
def conn(clean_warehouse: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable copy of the clean quarter's warehouse, for a test to break."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(clean_warehouse, copy)
    with duckdb.connect(str(copy)) as connection:
        yield connection
