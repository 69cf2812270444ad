"""The instance's pooled SQLite storages (pipelines/instance_storage.py) store what Dagster's own
store, in the same files: read back through Dagster's default storage, nothing is missing.

The expectations come from the runs themselves (what was materialised and checked), read through a
plain `DagsterInstance` on the same folder, which uses Dagster's own SQLite storages."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import dagster as dg
import pytest

from pipelines import instance_storage
from pipelines.instance_storage import PooledSqliteEventLogStorage, PooledSqliteRunStorage
from pipelines.runs import INSTANCE_SETTINGS_YAML, prepare_instance_home


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="numbers")])
def numbers() -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={"rows": 3}, check_results=[dg.AssetCheckResult(check_name="positive", passed=True)]
    )


@dg.asset(deps=[numbers])
def doubled() -> None:
    return None


def materialize(instance: dg.DagsterInstance, times: int) -> list[str]:
    return [dg.materialize([numbers, doubled], instance=instance).run_id for _ in range(times)]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster home: with spaces"))
    return prepare_instance_home()


def default_instance(home: Path) -> dg.DagsterInstance:
    """Dagster's own storages on the same files (a dagster.yaml without a storage section)."""
    (home / "dagster.yaml").write_text(INSTANCE_SETTINGS_YAML)
    return dg.DagsterInstance.from_config(str(home))


def test_the_instance_uses_the_pooled_storages_and_dagsters_files(home: Path) -> None:
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.run_storage, PooledSqliteRunStorage)
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        run_ids = materialize(instance, 2)
    files = {p.relative_to(home).as_posix() for p in home.rglob("*.db")}
    assert {"history/runs.db", "history/runs/index.db", "schedules/schedules.db"} <= files
    assert {f"history/runs/{run_id}.db" for run_id in run_ids} <= files


def test_what_is_stored_reads_back_through_dagsters_own_storage(home: Path) -> None:
    with dg.DagsterInstance.get() as instance:
        run_ids = materialize(instance, 3)
    with default_instance(home) as plain:
        runs = {run.run_id: run.status for run in plain.get_runs()}
        assert runs == dict.fromkeys(run_ids, dg.DagsterRunStatus.SUCCESS)
        for run_id in run_ids:
            types = [e.dagster_event_type for e in plain.all_logs(run_id) if e.is_dagster_event]
            assert types.count(dg.DagsterEventType.ASSET_MATERIALIZATION) == 2
            assert types.count(dg.DagsterEventType.ASSET_CHECK_EVALUATION) == 1
            assert types[-1] == dg.DagsterEventType.RUN_SUCCESS
        latest = plain.get_latest_materialization_event(dg.AssetKey("numbers"))
        assert latest is not None and latest.run_id == run_ids[-1]
        assert latest.asset_materialization.metadata["rows"].value == 3
        check = plain.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("numbers"), "positive"), limit=10
        )
        assert sorted(c.run_id for c in check) == sorted(run_ids)


def test_a_run_file_deleted_on_disk_is_written_anew_not_through_its_old_self(home: Path) -> None:
    with dg.DagsterInstance.get() as instance:
        (run_id,) = materialize(instance, 1)
        run = instance.get_run_by_id(run_id)
        instance.wipe()  # deletes the run's file, which the storage holds an engine on
        instance.report_engine_event("written after the wipe", run)
        after = materialize(instance, 1)
    with default_instance(home) as plain:
        assert [run.run_id for run in plain.get_runs()] == after
        assert [e.message for e in plain.all_logs(run_id)] == ["written after the wipe"]
        assert len([e for e in plain.all_logs(after[0]) if e.is_dagster_event]) > 5


def test_a_process_keeps_a_bounded_number_of_run_files_open(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(instance_storage, "KEEP_AT_MOST", 3)  # 32 in use: the same rule, fewer runs
    with dg.DagsterInstance.get() as instance:
        run_ids = materialize(instance, 5)
        kept = instance.event_log_storage._engines
        assert len(kept) == 3
        assert run_ids[0] not in kept and run_ids[-1] in kept
    with default_instance(home) as plain:
        assert {run.run_id for run in plain.get_runs()} == set(run_ids)
        assert all(plain.all_logs(run_id) for run_id in run_ids)


def test_dagsters_files_are_wal_and_pooled_connections_commit_without_fsync(home: Path) -> None:
    # synchronous=NORMAL is only safe in WAL mode: if Dagster stops using WAL, this fails.
    with dg.DagsterInstance.get() as instance:
        materialize(instance, 1)
        with instance.event_log_storage.index_connection() as conn:
            assert conn.exec_driver_sql("pragma synchronous").scalar_one() == 1  # NORMAL
        with instance.run_storage.connect() as conn:
            assert conn.exec_driver_sql("pragma synchronous").scalar_one() == 1
    for file in home.rglob("*.db"):
        with sqlite3.connect(file) as conn:
            assert conn.execute("pragma journal_mode").fetchone()[0] == "wal", file


def test_a_data_dir_from_before_keeps_its_runs(home: Path) -> None:
    # A dagster.yaml `segments` wrote before the pooled storages: Dagster's defaults.
    with default_instance(home) as plain:
        before = materialize(plain, 1)
    prepare_instance_home()  # rewrites it
    assert "PooledSqliteEventLogStorage" in (home / "dagster.yaml").read_text()
    with dg.DagsterInstance.get() as instance:
        after = materialize(instance, 1)
        assert {run.run_id for run in instance.get_runs()} == {*before, *after}


def test_a_moved_data_dir_gets_its_storage_paths_rewritten(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with dg.DagsterInstance.get() as instance:
        before = materialize(instance, 1)
    moved = tmp_path / "moved"
    shutil.copytree(home, moved)
    monkeypatch.setenv("DAGSTER_HOME", str(moved))
    prepare_instance_home()
    assert str(home) not in (moved / "dagster.yaml").read_text()
    with dg.DagsterInstance.get() as instance:
        assert [run.run_id for run in instance.get_runs()] == before
