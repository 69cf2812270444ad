"""Session fixtures: a few full runs of the real quarterly job (extract, dbt, checks, history,
publish) on small generated sources, shared by the quality tests because each costs about a minute.

In order, on one data dir: a clean quarter (2025Q3), the next quarter with warning bounds tightened
(2025Q4: warnings fire, the run succeeds), and a quarter before any customer registered (2020Q4: an
empty population fails blocking checks, nothing is published). A copy of the warehouse right after
the clean run is what the per-check tests break in their own ways.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
import yaml

from pipelines.generate import generate_sources
from pipelines.quarters import Quarter
from pipelines.settings import DEFAULT_CONFIG_PATH
from tests.quality.probes import probe_definitions

CLEAN = Quarter.parse("2025Q3")
DRIFTED = Quarter.parse("2025Q4")
# The sources hold one year of history, so nobody had registered by the end of 2020.
EMPTY = Quarter.parse("2020Q4")
# Warning bounds so tight that any real quarter-to-quarter change crosses them.
TIGHT_QUALITY = {
    "max_segment_share_change_points": 0.001,
    "max_mean_monetary_change": 0.0001,
    "max_quarantine_rate": 0.0001,
    "max_volume_change": 0.5,
}


@dataclass(frozen=True)
class PipelineRun:
    quarter: Quarter
    result: dg.ExecuteInProcessResult
    instance: dg.DagsterInstance
    data_dir: Path
    # a copy of the warehouse taken right after the run (later runs replace its marts)
    warehouse_copy: Path | None = None

    @property
    def run_id(self) -> str:
        return self.result.run_id

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    def materialized(self) -> set[str]:
        return {e.asset_key.to_user_string() for e in self.result.get_asset_materialization_events()}

    def evaluations(self) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
        return {
            (e.asset_key.to_user_string(), e.check_name): e
            for e in (
                event.event_specific_data
                for event in self.result.all_events
                if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
            )
        }


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


def _run(
    job: dg.JobDefinition,
    quarter: Quarter,
    instance: dg.DagsterInstance,
    data_dir: Path,
    sources: Path,
    config: Path | None = None,
) -> PipelineRun:
    with pipeline_env(data_dir, sources, config):
        result = job.execute_in_process(
            partition_key=quarter.partition_key, instance=instance, raise_on_error=False
        )
    return PipelineRun(quarter, result, instance, data_dir)


@pytest.fixture(scope="session")
def quality_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("quality_sources")
    generate_sources(out, customers=1200, seed=11, end_date=date(2025, 12, 31), years=1, fmt="parquet")
    return out


@pytest.fixture(scope="session")
def quality_instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
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
    from pipelines.definitions import defs
    from pipelines.jobs import QUARTERLY_JOB

    run = _run(
        defs.resolve_job_def(QUARTERLY_JOB), CLEAN, quality_instance, pipeline_data_dir, quality_sources
    )
    # Kept aside before the later runs replace the marts: the per-check tests break copies of it.
    copy = tmp_path_factory.mktemp("clean_warehouse") / "warehouse.duckdb"
    shutil.copyfile(run.warehouse, copy)
    return dataclasses.replace(run, warehouse_copy=copy)


@pytest.fixture(scope="session")
def clean_warehouse(clean_run: PipelineRun) -> Path:
    """The warehouse as the clean run left it (2025Q3 marts, quality_results, baselines)."""
    assert clean_run.result.success, "the clean run failed; see test_clean_run_*"
    assert clean_run.warehouse_copy is not None
    return clean_run.warehouse_copy


@pytest.fixture(scope="session")
def tight_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    config["quality"] = TIGHT_QUALITY
    path = tmp_path_factory.mktemp("tight_config") / "segments.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def warning_run(clean_run: PipelineRun, quality_sources: Path, tight_config: Path) -> PipelineRun:
    from pipelines.definitions import defs
    from pipelines.jobs import QUARTERLY_JOB

    return _run(
        defs.resolve_job_def(QUARTERLY_JOB),
        DRIFTED,
        clean_run.instance,
        clean_run.data_dir,
        quality_sources,
        tight_config,
    )


@dataclass(frozen=True)
class BlockedRun:
    run: PipelineRun
    published_before: str | None
    published_after: str | None


@pytest.fixture(scope="session")
def blocking_run(warning_run: PipelineRun, quality_sources: Path) -> BlockedRun:
    published = warning_run.data_dir / "published" / "segments.duckdb"
    before = file_digest(published)
    job = probe_definitions().resolve_job_def("quality_gate_test")
    run = _run(job, EMPTY, warning_run.instance, warning_run.data_dir, quality_sources)
    return BlockedRun(run, before, file_digest(published))
