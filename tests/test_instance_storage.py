"""Dagster's SQLite files commit without a checkpoint per write (pipelines/instance_storage.py), and
nothing written is lost. The last test fails if Dagster stops keeping its files in WAL mode, where the
setting does nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import dagster as dg
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from pipelines.instance_storage import KEEP_AT_MOST, commit_without_checkpoints


def sqlite_file(path: Path, wal: bool) -> Path:
    with sqlite3.connect(path) as conn:
        if wal:
            conn.execute("pragma journal_mode = wal")
        conn.execute("create table events (id integer)")
    return path


def write_once(path: Path, value: int) -> int:
    """Like Dagster's storage: a new engine and connection for one write. Returns `synchronous`."""
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    with engine.connect() as conn, conn.begin():
        conn.execute(text("insert into events values (:v)"), {"v": value})
        synchronous = conn.execute(text("pragma synchronous")).scalar_one()
    engine.dispose()
    return synchronous


def test_a_write_to_a_wal_file_commits_without_a_checkpoint_and_keeps_every_row(tmp_path: Path) -> None:
    commit_without_checkpoints()
    commit_without_checkpoints()  # idempotent
    path = sqlite_file(tmp_path / "shard.db", wal=True)
    synchronous = [write_once(path, i) for i in range(50)]
    assert set(synchronous) == {1}  # NORMAL
    # The connection closed was not the file's last: its WAL was not checkpointed away.
    assert Path(f"{path}-wal").exists()
    with sqlite3.connect(path) as reader:
        assert reader.execute("select count(*), sum(id) from events").fetchone() == (50, sum(range(50)))


def test_a_process_keeps_at_most_a_bounded_number_of_files_open(tmp_path: Path) -> None:
    commit_without_checkpoints()
    paths = [sqlite_file(tmp_path / f"run-{i}.db", wal=True) for i in range(KEEP_AT_MOST + 8)]
    for path in paths:
        write_once(path, 1)
    # The oldest files were let go: their last connection closed, SQLite checkpointed them.
    assert [Path(f"{p}-wal").exists() for p in paths[:8]] == [False] * 8
    assert all(Path(f"{p}-wal").exists() for p in paths[8:])
    for path in paths:
        with sqlite3.connect(path) as reader:
            assert reader.execute("select count(*) from events").fetchone() == (1,)


def test_a_file_not_in_wal_mode_keeps_sqlites_defaults(tmp_path: Path) -> None:
    commit_without_checkpoints()
    path = sqlite_file(tmp_path / "plain.db", wal=False)
    assert write_once(path, 1) == 2  # FULL
    assert not Path(f"{path}-wal").exists()


def test_dagster_keeps_its_instance_files_in_wal_mode(tmp_path: Path) -> None:
    @dg.asset
    def one() -> int:
        return 1

    with dg.DagsterInstance.local_temp(tempdir=str(tmp_path)) as instance:
        assert dg.materialize([one], instance=instance).success
    files = sorted(tmp_path.rglob("*.db"))
    # The run storage, the event log's index and the run's own shard at least.
    assert len(files) >= 3, files
    modes = {}
    for file in files:
        with sqlite3.connect(file) as conn:
            modes[file.name] = conn.execute("pragma journal_mode").fetchone()[0]
    assert set(modes.values()) == {"wal"}, modes
