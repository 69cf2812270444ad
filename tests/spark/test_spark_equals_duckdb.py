"""The dbt project on Spark equals DuckDB: models, data tests, unit tests and history, value for value.

`make spark-check` (pytest -m spark tests/spark; not part of the default run). A raw warehouse of
~2,000 generated customers plus the hand-written edge cases of tests/transform/raw_fixture.py, and
the config tables, are built in DuckDB and copied to a local Spark (dbt-spark `method: session`, the
profile's `spark` target, warehouse and metastore in a temporary folder). Then both engines run the
same quarters:

  1. 2025Q3: Spark `dbt build` of everything, unit tests included; DuckDB as the pipeline runs it
     (the cleaned models, the predicted value, the scored models and marts, the Python-written
     customer_contacts and k-means centroids, then history). Spark builds the cleaned models, the
     scored ones once DuckDB's value step has written the quarter's predictions, then the history
     once its k-means has written the centroids (both copied over: the fits are Python,
     docs/engines.md (c)), so both engines join the same predictions and assign customers to the
     same centroids in SQL
  2. 2025Q4: the same (without unit tests)
  3. 2025Q4 again, history only: a re-run replaces exactly that quarter (DuckDB delete+insert,
     Spark insert_overwrite of the quarter's partitions)

and the marts and every history table and view are compared (tests/spark/compare.py: floats to a
relative 1e-9, money to the cent, the rest exactly). DuckDB runs in subprocesses while Spark runs in
this process. Without pyspark, dbt-spark or Java 17+ the test is skipped, except in CI (CI=true),
where it fails.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from pipelines.config import load_config, write_config_tables
from pipelines.config.model import Clusters, Clv
from pipelines.extract.sources import SOURCES
from pipelines.history.contacts import DDL as CONTACTS_DDL
from pipelines.history.contacts import write_contacts
from pipelines.insight.assets import build_clusters
from pipelines.insight.store import DDL as INSIGHT_DDL
from pipelines.settings import DBT_PROJECT_DIR
from pipelines.transform.dbt import HISTORY_SELECTION, SCORED_SELECTION
from pipelines.value.assets import build_customer_value
from pipelines.value.store import DDL as VALUE_DDL
from tests.spark.compare import compare_table
from tests.spark.landing import duckdb_tables, export_parquet, land
from tests.transform import raw_fixture

pytestmark = pytest.mark.spark

Q3, Q4 = date(2025, 9, 30), date(2025, 12, 31)
GENERATED_CUSTOMERS = 2000
SALT = "spark-check-salt"
# The pipeline's three dbt invocations (pipelines/transform/dbt.py).
HISTORY = ["--select", HISTORY_SELECTION]
CLEANED = ["--exclude", SCORED_SELECTION, HISTORY_SELECTION]
SCORED = ["--select", SCORED_SELECTION, "--exclude", HISTORY_SELECTION]
NO_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]
# (step, as-of date, Spark `dbt build` selection): DuckDB runs the same steps as the pipeline does.
STEPS = [
    ("2025Q3", Q3, []),
    ("2025Q4", Q4, NO_UNIT_TESTS),
    ("2025Q4 history re-run", Q4, HISTORY),
]
# relation -> its key; the columns compared are all the others
COMPARED: dict[str, tuple[str, ...]] = {
    "marts.dim_customers": ("snapshot_date", "customer_id"),
    "marts.fct_customer_tags": ("snapshot_date", "customer_id", "tag_name"),
    "marts.dim_tag_catalog": ("snapshot_date", "tag_code"),
    "marts.dim_tag_values": ("snapshot_date", "tag_code", "tag_value"),
    "marts.dim_rfm_calibration": ("snapshot_date", "metric", "score"),
    "marts.fct_segment_summary": ("snapshot_date", "segment"),
    "history.segment_history": ("snapshot_date", "customer_id"),
    "history.tag_history": ("snapshot_date", "customer_id", "tag_name"),
    "history.customer_tag_history": ("snapshot_date", "customer_id", "tag_name"),
    "history.tag_value_history": ("snapshot_date", "tag_code", "tag_value"),
    "history.segment_summary": ("snapshot_date", "segment"),
    "history.rfm_calibration": ("snapshot_date", "metric", "score"),
    "history.tag_catalog_history": ("snapshot_date", "tag_code"),
    "history.segment_migration": ("to_snapshot", "from_segment", "to_segment"),
    "history.segment_outcomes": ("snapshot_date", "segment", "group"),
    "history.history_snapshots": ("snapshot_date",),
    "history.customer_segments": ("customer_id",),
    "history.customer_tags": ("customer_id", "tag_name"),
    "history.tag_catalog": ("tag_code",),
    "history.segment_catalog": ("segment",),
    "history.segment_profiles": ("snapshot_date", "segment", "dimension", "value"),
    "history.segment_portraits": ("snapshot_date", "segment"),
    "history.segment_samples": ("snapshot_date", "segment", "customer_id"),
    "history.segment_validation": ("snapshot_date", "measure", "feature"),
    "history.customer_clusters": ("snapshot_date", "customer_id"),
    "history.cluster_profiles": ("snapshot_date", "cluster_id"),
    "history.cluster_segment_crosstab": ("snapshot_date", "cluster_id", "segment"),
    "history.clv_models": ("snapshot_date", "model"),
    "history.clv_backtest": ("snapshot_date", "decile"),
}
# Which dbt invocation wrote a snapshot, and when: different on each engine by nature.
IGNORED = {
    "history.history_snapshots": ("version", "written_at"),
}
# The tables dbt reads as sources, copied from DuckDB to Spark.
SOURCE_SCHEMAS = ("crm", "shop", "helpdesk", "config", "config_defaults", "history")
# Written by the predicted-value step on DuckDB after each quarter's cleaned models, read by Spark's
# scored models (and history's clv_models).
VALUE_TABLES = ["value.clv_models", "value.customer_value"]
# Written in Python on DuckDB before each quarter's history: the k-means tables, the masked contacts
# and the holdout draw (which segment_history's in_holdout reads).
PYTHON_HISTORY_TABLES = ["insight.cluster_centroids", "insight.cluster_fit", "history.customer_contacts"]
# The k-means of the pipeline, on a sample smaller than the population (customers outside it are
# assigned in SQL too).
CLUSTERS = Clusters(fit_sample_size=1000, silhouette_sample_size=500)


# --- the environment -------------------------------------------------------------------------------


def _java_major(java: str) -> int | None:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def spark_unavailable() -> str | None:
    """Why Spark cannot run here (one line), or None."""
    missing = [m for m in ("pyspark", "dbt.adapters.spark") if importlib.util.find_spec(m) is None]
    if missing:
        return f"{' and '.join(missing)} not installed: `make spark-check` installs the uv group `spark`"
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        return "no Java (Spark 4 needs Java 17+, e.g. apt-get install openjdk-17-jre-headless)"
    major = _java_major(java)
    if major is None or major < 17:
        return f"Java {major or '?'} at {java}: Spark 4 needs Java 17+"
    return None


@pytest.fixture(scope="module")
def spark_environment() -> None:
    reason = spark_unavailable()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Spark check cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


# --- the data --------------------------------------------------------------------------------------


def build_raw(path: Path) -> Path:
    """raw_fixture's hand-written customers and GENERATED_CUSTOMERS generated ones (same seed), landed
    as extraction lands them (raw_fixture's tables, inserted column-wise: executemany is slow)."""
    data = (
        a + b
        for a, b in zip(raw_fixture.hand_written(), raw_fixture.generated(n=GENERATED_CUSTOMERS), strict=True)
    )
    with duckdb.connect(str(path)) as conn:
        conn.execute("set TimeZone = 'UTC'")
        for spec, rows in zip(SOURCES, data, strict=True):
            columns = [(c.name, c.sql_type) for c in spec.columns] + raw_fixture.META
            conn.execute(f"create schema if not exists {spec.schema}")
            ddl = ", ".join(f"{name} {sql_type}" for name, sql_type in columns)
            conn.execute(f"create or replace table {spec.schema}.{spec.table} ({ddl})")
            defaults = {
                "_source_file": f"{spec.name}.csv",
                "_loaded_at": raw_fixture.LOADED_AT,
                "_invalid_fields": [],
            }
            rows = [defaults | row for row in rows]
            arrays = {}
            for name, sql_type in columns:
                values = [row.get(name) for row in rows]
                arrays[name] = (
                    pa.array(values, type=pa.list_(pa.string())) if sql_type.endswith("[]") else values
                )
            staged = pa.table(arrays)  # noqa: F841 (read by the query below)
            names = ", ".join(name for name, _ in columns)
            casts = ", ".join(f"cast({name} as {sql_type})" for name, sql_type in columns)
            conn.execute(f"insert into {spec.schema}.{spec.table} ({names}) select {casts} from staged")
        raw_fixture.mark_latest(conn)
        write_config_tables(conn, load_config())
        # The one history table written in Python (masked contacts), read by dbt as a source.
        conn.execute(CONTACTS_DDL)
        conn.execute(INSIGHT_DDL)
        conn.execute(VALUE_DDL)
    return path


# --- the two engines -------------------------------------------------------------------------------


def vars_arg(as_of: date) -> list[str]:
    return ["--vars", json.dumps({"as_of_date": as_of.isoformat()})]


def run_duckdb(
    warehouse: Path, workdir: Path, fitted: dict[tuple[str, str], tuple[threading.Event, Path]]
) -> list[tuple[str, float]]:
    """The steps as the pipeline runs them on DuckDB (dbt CLI subprocesses); the time of each.
    After each quarter's predicted value, then its k-means, the tables written in Python are exported
    as Parquet and `fitted[(step, "value")]`, then `fitted[(step, "history")]`, is set, for Spark's
    scored and history builds of that quarter."""
    dbt = Path(sys.executable).with_name("dbt")
    env = os.environ | {"DUCKDB_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    timings = []

    def build(name: str, as_of: date, selection: list[str]) -> None:
        command = [
            str(dbt), "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
            str(DBT_PROJECT_DIR), "--target", "dev", "--target-path", str(workdir / "target"),
            "--log-path", str(workdir / "logs"), *selection, *vars_arg(as_of),
        ]  # fmt: skip
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise AssertionError(f"DuckDB dbt build ({name}) failed:\n{done.stdout[-6000:]}{done.stderr}")

    for name, as_of, selection in STEPS:
        started = time.monotonic()
        if selection != HISTORY:
            build(name, as_of, [*CLEANED, *NO_UNIT_TESTS])
            with duckdb.connect(str(warehouse)) as conn:
                build_customer_value(conn, as_of, Clv())
            event, folder = fitted[(name, "value")]
            export_parquet(warehouse, VALUE_TABLES, folder)
            event.set()
            build(name, as_of, [*SCORED, *NO_UNIT_TESTS])
            with duckdb.connect(str(warehouse)) as conn:
                write_contacts(conn, as_of, SALT)
                build_clusters(conn, as_of, CLUSTERS)
            event, folder = fitted[(name, "history")]
            export_parquet(warehouse, PYTHON_HISTORY_TABLES, folder)
            event.set()
        build(name, as_of, HISTORY)
        timings.append((name, time.monotonic() - started))
    return timings


class SparkDbt:
    """dbt on the profile's `spark` target, in this process (dbt's programmatic entry point), so that
    the Spark session dbt-spark opens (method: session) is the one the test loads and reads."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    def invoke(self, *args: str, target_path: bool = True) -> Any:
        from dbt.cli.main import dbtRunner

        common = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
        common += ["--target", "spark", "--log-path", str(self.workdir / "logs")]
        if target_path:
            common += ["--target-path", str(self.workdir / "target")]
        result = dbtRunner().invoke([*args, *common])
        if not result.success:
            raise AssertionError(f"Spark dbt {' '.join(args)} failed:\n{_failures(result)}")
        return result

    def invocation_id(self) -> str:
        results = json.loads((self.workdir / "target" / "run_results.json").read_text())
        return results["metadata"]["invocation_id"]


def _failures(result: Any) -> str:
    if result.exception is not None:
        return repr(result.exception)
    lines = []
    for node in getattr(result.result, "results", []) or []:
        if str(node.status) not in ("success", "pass", "warn"):
            lines.append(f"  {node.node.unique_id}: {node.status}: {(node.message or '').strip()[:3000]}")
    return "\n".join(lines) or "  (no failing node reported)"


def read_duckdb(warehouse: Path, relation: str) -> tuple[list[str], list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        cursor = conn.execute(f"select * from {relation}")
        return [d[0] for d in cursor.description], cursor.fetchall()


def read_spark(spark: Any, relation: str) -> tuple[list[str], list[tuple]]:
    frame = spark.table(relation)
    return frame.columns, [tuple(row) for row in frame.collect()]


def timed(timings: list[tuple[str, float]], name: str, step: Callable[..., Any], *args: Any) -> Any:
    started = time.monotonic()
    result = step(*args)
    timings.append((name, time.monotonic() - started))
    return result


def wait_for(
    fitted: dict[tuple[str, str], tuple[threading.Event, Path]],
    key: tuple[str, str],
    duck_run: Any,
    tables: list[str],
    spark: Any,
    timings: list[tuple[str, float]],
) -> None:
    """Wait until DuckDB has written the Python tables of `key` (step, stage), then land them in Spark."""
    event, folder = fitted[key]
    waited = time.monotonic()
    while not event.wait(timeout=5):
        if duck_run.done():
            duck_run.result()  # raises the DuckDB failure
            raise AssertionError(f"DuckDB finished without writing {key}")
    timings.append((f"spark waits for {' '.join(key)}", time.monotonic() - waited))
    land(spark, {table: folder / table.replace(".", "/") for table in tables})


# --- the test --------------------------------------------------------------------------------------


def test_spark_build_equals_duckdb(
    spark_environment: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    timings: list[tuple[str, float]] = []
    raw = timed(timings, "raw warehouse", build_raw, tmp_path / "raw.duckdb")
    sources = export_parquet(raw, duckdb_tables(raw, SOURCE_SCHEMAS), tmp_path / "landing")
    duck_warehouse = tmp_path / "duckdb" / "warehouse.duckdb"
    duck_warehouse.parent.mkdir()
    shutil.copyfile(raw, duck_warehouse)

    # profiles.yml's spark target keeps its warehouse and metastore under SEGMENTS_SPARK_DIR.
    monkeypatch.setenv("SEGMENTS_SPARK_DIR", str(tmp_path / "spark"))
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    fitted = {
        (name, stage): (threading.Event(), tmp_path / stage / str(i))
        for i, (name, _, selection) in enumerate(STEPS)
        if selection != HISTORY
        for stage in ("value", "history")
    }
    with ThreadPoolExecutor(max_workers=1) as pool:
        duck_run = pool.submit(run_duckdb, duck_warehouse, tmp_path / "duckdb", fitted)

        dbt = SparkDbt(tmp_path / "spark_dbt")
        # The session dbt-spark opens with the profile's settings (local master, UTC, warehouse dir).
        timed(timings, "spark session", lambda: dbt.invoke("debug", "--connection", target_path=False))
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
        assert spark.conf.get("spark.sql.warehouse.dir").endswith(str(tmp_path / "spark" / "warehouse"))
        timed(timings, "landing", land, spark, sources)

        versions = {}
        for name, as_of, selection in STEPS:
            if selection == HISTORY:
                timed(timings, f"spark {name}", dbt.invoke, "build", *selection, *vars_arg(as_of))
            else:
                # The cleaned models; the scored ones and marts with DuckDB's predictions of the
                # quarter; the history with its centroids and contacts.
                timed(
                    timings,
                    f"spark {name} cleaned",
                    dbt.invoke,
                    "build",
                    *selection,
                    *CLEANED,
                    *vars_arg(as_of),
                )
                wait_for(fitted, (name, "value"), duck_run, VALUE_TABLES, spark, timings)
                timed(
                    timings,
                    f"spark {name} scored",
                    dbt.invoke,
                    "build",
                    *selection,
                    *SCORED,
                    *vars_arg(as_of),
                )
                wait_for(fitted, (name, "history"), duck_run, PYTHON_HISTORY_TABLES, spark, timings)
                history = [*HISTORY, *selection]  # unit tests of history models with the marts' ones
                timed(timings, f"spark {name} history", dbt.invoke, "build", *history, *vars_arg(as_of))
            versions[name] = dbt.invocation_id()
        timings += [(f"duckdb {name}", seconds) for name, seconds in duck_run.result()]

    # The contacts the pipeline wrote in Python on DuckDB, read by the customer_segments view.
    land(spark, export_parquet(duck_warehouse, ["history.customer_contacts"], tmp_path / "contacts"))

    # Spark's history is partitioned by snapshot, and the re-run replaced exactly its quarter.
    partitions = [row[0] for row in spark.sql("show partitions history.segment_history").collect()]
    assert partitions == [f"snapshot_date={Q3}", f"snapshot_date={Q4}"], partitions
    written = dict(
        spark.sql("select cast(snapshot_date as string), version from history.history_snapshots").collect()
    )
    assert written == {
        Q3.isoformat(): versions["2025Q3"],
        Q4.isoformat(): versions["2025Q4 history re-run"],
    }, f"history_snapshots on Spark: {written}, invocations {versions}"

    problems: list[str] = []
    accepted: Counter = Counter()
    for relation, key in COMPARED.items():
        duck_columns, duck_rows = read_duckdb(duck_warehouse, relation)
        spark_columns, spark_rows = read_spark(spark, relation)
        problems += compare_table(
            relation,
            key,
            duck_columns,
            duck_rows,
            spark_columns,
            spark_rows,
            ignore=IGNORED.get(relation, ()),
            accepted=accepted,
        )
    report = ", ".join(f"{name} {seconds:.0f}s" for name, seconds in timings)
    assert not problems, "Spark differs from DuckDB:\n" + "\n".join(problems) + f"\n(timings: {report})"
    allowed = "; ".join(f"{n} x {reason}" for reason, n in sorted(accepted.items())) or "none"
    with capsys.disabled():
        print(f"\nspark-check: {len(COMPARED)} relations equal (accepted: {allowed})")
        print(f"spark-check timings: {report}")
