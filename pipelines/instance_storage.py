"""Dagster's SQLite storage, with each file's engine and connections kept for the process's life.

Dagster's SQLite run and event-log storages (the default of a local instance) build a SQLAlchemy
engine and open a new connection for every read and write, and close both after: a 1,000-customer
quarter stores ~860 events through ~2,700 connections. Each one pays an engine and its dialect's
set-up, the file's open and schema read, a fresh compile of every statement (SQLAlchemy caches
compiled statements per engine), and, when it is the file's last connection, a checkpoint that
folds the WAL into the database and deletes it, with fsyncs; every commit under SQLite's default
`synchronous=FULL` waits for one more.

The two storages here are Dagster's own, with one change each, made through the method their SQL
base classes ask a storage to provide (`connect` for runs, `run_connection` / `index_connection`
for events, as dagster-postgres does): one engine per file, its connections pooled, commits with
`synchronous=NORMAL` (SQLite's advice for WAL: consistent after any crash; a power cut may lose the
last commits, the events of the run it cut). Dagster still creates and migrates each file itself.
The instance uses them through the `dagster.yaml` `segments` writes (`instance_yaml`); the files
and their layout are those of the default instance, so an existing data dir keeps its history.

`tests/test_instance_storage.py` checks what the runs and events stored read back, that a file
replaced on disk (a wiped instance) is not written through its old self, and that Dagster's files
are still WAL.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

# A `segments backfill` touches the index file plus one file per run: a few dozen at most. Beyond
# this many, the least recently used run file's engine is disposed (its WAL checkpointed).
KEEP_AT_MOST = 32


def instance_yaml(home: Path) -> str:
    """The storage part of the instance's dagster.yaml: Dagster's default files under `home`.

    The paths are absolute: `segments` and `make dev` rewrite the file (`prepare_instance_home`)
    when the data dir has moved."""
    home = home.resolve()
    # JSON strings are YAML strings: a path with spaces or colons stays one value.
    history, runs, schedules = (
        json.dumps(str(path)) for path in (home / "history", home / "history" / "runs", home / "schedules")
    )
    return f"""\
run_storage:
  module: {__name__}
  class: {PooledSqliteRunStorage.__name__}
  config:
    base_dir: {history}
event_log_storage:
  module: {__name__}
  class: {PooledSqliteEventLogStorage.__name__}
  config:
    base_dir: {runs}
schedule_storage:
  module: dagster._core.storage.schedules
  class: SqliteScheduleStorage
  config:
    base_dir: {schedules}
"""


def _engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
    event.listen(engine, "connect", _commit_without_fsync)
    return engine


def _commit_without_fsync(dbapi_connection: Any, _record: object) -> None:
    (mode,) = dbapi_connection.execute("pragma journal_mode").fetchone()
    if mode == "wal":
        dbapi_connection.execute("pragma synchronous = normal")


class PooledSqliteRunStorage(SqliteRunStorage):
    """Dagster's SQLite run storage (`history/runs.db`), through one engine."""

    def __init__(self, conn_string: str, inst_data: Any = None) -> None:
        super().__init__(conn_string, inst_data)
        self._pooled = _engine(conn_string)

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> PooledSqliteRunStorage:
        return cls.from_local(inst_data=inst_data, **config_value)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self._pooled.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        super().dispose()
        self._pooled.dispose()


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log (`history/runs/<run>.db`, `index.db`), through one engine per file."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        # Before Dagster's __init__, which may already read and write the index file.
        # file -> (engine, device, inode); a file replaced on disk gets a new engine
        self._engines: OrderedDict[str, tuple[Engine, int, int]] = OrderedDict()
        # Like Dagster's own: one connection at a time (its watchers run on other threads); reentrant
        # for has_table, which Dagster calls while it holds a connection.
        self._lock = threading.RLock()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def run_connection(self, run_id: str | None = None) -> Any:
        return self._connection(run_id)

    def index_connection(self) -> Any:
        return self._connection(INDEX_SHARD_NAME)

    def has_table(self, table_name: str) -> bool:
        # Asked once per stored check result and asset event; Dagster's opens an engine each time.
        with self._connection(INDEX_SHARD_NAME) as conn:
            return bool(conn.dialect.has_table(conn, table_name))

    @contextmanager
    def _connection(self, shard: str | None) -> Iterator[Connection]:
        with self._lock, self._engine_for(str(shard)).connect() as conn, conn.begin():
            yield conn

    def _engine_for(self, shard: str) -> Engine:
        path = self.path_for_shard(shard)
        kept = self._engines.get(shard)
        stat = _stat(path)
        if kept is not None and stat is not None and kept[1:] == stat:
            self._engines.move_to_end(shard)
            return kept[0]
        if kept is not None:
            kept[0].dispose()
        # The first connection to a file goes through Dagster's own path, which creates and
        # migrates it (a run's file does not exist before its first event).
        with SqliteEventLogStorage.run_connection(self, shard):
            pass
        engine = _engine(self.conn_string_for_shard(shard))
        self._engines[shard] = (engine, *_stat(path))
        self._engines.move_to_end(shard)
        while len(self._engines) > KEEP_AT_MOST:
            self._engines.popitem(last=False)[1][0].dispose()
        return engine

    def dispose(self) -> None:
        super().dispose()
        while self._engines:
            self._engines.popitem()[1][0].dispose()


def _stat(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino
