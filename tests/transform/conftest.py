"""Session fixtures: one raw warehouse, copied per case, and every dbt invocation of the session
started at once (each on its own copy, so they can run side by side) to keep the suite quick."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.config import SegmentationConfig, load_config, write_config_tables
from pipelines.history.contacts import DDL as CONTACTS_DDL
from pipelines.insight.store import DDL as INSIGHT_DDL
from pipelines.settings import DBT_PROJECT_DIR, DEFAULT_CONFIG_PATH
from pipelines.value.store import DDL as VALUE_DDL
from tests.transform.raw_fixture import build_raw_warehouse, cut_raw_warehouse

LATEST = date(2025, 12, 31)
OLD = date(2025, 6, 30)
DBT = Path(sys.executable).with_name("dbt")
# The config change of the threshold test: lower bars, so more customers pass them.
CHANGED_PARAMETERS = {"contribution_high_min_spend": 1000, "complaint_high_min": 1}


def dbt_command(command: str, as_of: date, workdir: Path) -> list[str]:
    """The dbt CLI call the tests make (e.g. "build", "docs generate"): the repo's project and
    profile, the as-of date as the only var, a private target and log dir per warehouse."""
    return [
        str(DBT),
        *command.split(),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
        "--vars",
        f"{{as_of_date: '{as_of.isoformat()}'}}",
    ]


def dbt_env(warehouse: Path) -> dict[str, str]:
    return os.environ | {"DUCKDB_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def prepare_warehouse(
    raw: Path, target: Path, config: SegmentationConfig, cut_at: date | None = None
) -> Path:
    """Copy the raw warehouse, optionally cut it at a date, and write the config tables into it
    (what the orchestrator does before `dbt build`)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(raw, target)
    if cut_at is not None:
        cut_raw_warehouse(target, cut_at)
    with duckdb.connect(str(target)) as conn:
        write_config_tables(conn, config)
        # The one history table written in Python (the salted contact hash), read by dbt as a source.
        conn.execute(CONTACTS_DDL)
        # The k-means centroids and fit (pipelines/insight), empty: dbt reads them as sources.
        conn.execute(INSIGHT_DDL)
        # The predicted value (pipelines/value), empty likewise.
        conn.execute(VALUE_DDL)
    return target


@dataclass(frozen=True)
class Case:
    command: str
    as_of: date
    config: str  # "default" or "changed"
    cut_at: date | None = None


CASES = {
    # the full build: models, data tests and unit tests
    "latest": Case("build", LATEST, "default"),
    "old_full": Case("run", OLD, "default"),
    "old_cut": Case("run", OLD, "default", cut_at=OLD),
    "changed_thresholds": Case("run", LATEST, "changed"),
    "docs": Case("docs generate", LATEST, "default"),
}


@dataclass(frozen=True)
class DbtResult:
    warehouse: Path
    workdir: Path
    returncode: int
    output: str

    def check(self) -> Path:
        assert self.returncode == 0, f"dbt failed ({self.returncode}) on {self.warehouse}:\n{self.output}"
        return self.warehouse


@pytest.fixture(scope="session")
def raw_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_raw_warehouse(tmp_path_factory.mktemp("raw") / "raw.duckdb")


@pytest.fixture(scope="session")
def changed_config_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    config["parameters"].update(CHANGED_PARAMETERS)
    path = tmp_path_factory.mktemp("config") / "segments.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def dbt_runs(
    raw_warehouse: Path, changed_config_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, DbtResult]:
    configs = {"default": load_config(DEFAULT_CONFIG_PATH), "changed": load_config(changed_config_path)}
    root = tmp_path_factory.mktemp("dbt")
    started = {}
    for name, case in CASES.items():
        workdir = root / name
        warehouse = prepare_warehouse(
            raw_warehouse, workdir / "warehouse.duckdb", configs[case.config], case.cut_at
        )
        log = (workdir / "stdout.txt").open("w")
        process = subprocess.Popen(
            dbt_command(case.command, case.as_of, workdir),
            env=dbt_env(warehouse),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started[name] = (warehouse, workdir, process, log)
    results = {}
    for name, (warehouse, workdir, process, log) in started.items():
        returncode = process.wait(timeout=600)
        log.close()
        output = (workdir / "stdout.txt").read_text()
        results[name] = DbtResult(warehouse, workdir, returncode, output)
    return results


@pytest.fixture(scope="session")
def latest_build(dbt_runs: dict[str, DbtResult]) -> Path:
    """The latest quarter built with `dbt build` on the full raw data and the default config."""
    return dbt_runs["latest"].check()


def query(warehouse: Path, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(sql, list(params)).fetchall()
