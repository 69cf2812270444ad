"""The Dagster instance's SQLite files: a write costs a commit, not a checkpoint and an fsync.

Dagster's SQLite storage (the default of `segments` and `make dev`) opens a new connection for each
write and closes it after: a 1,000-customer quarter stores ~860 events through ~2,700 connections.
Its files are in WAL mode, where closing the last connection to a file checkpoints the WAL into
the database and deletes it, with fsyncs, and every commit under SQLite's default
`synchronous=FULL` waits for one more: ~1 ms per connection on this machine's disk.

In a process that loads the pipeline's code (the CLI's runs, the run workers of `make dev`), every
SQLite connection SQLAlchemy opens on a WAL file gets `synchronous=NORMAL` (SQLite's advice for
WAL: consistent after any crash; a power cut may lose the last commits, the events of the run it
cut), and the process keeps one idle connection to each such file, so that closing Dagster's is
never the last close. SQLite checkpoints the WAL itself as it grows (every 1,000 pages) and once
more when the process ends. Only SQLAlchemy's public `connect` event and SQLite pragmas are used;
`tests/test_instance_storage.py` fails if Dagster's files stop being WAL.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict

from sqlalchemy import event
from sqlalchemy.engine import Engine

# A `segments backfill` touches the run and index files plus one file per run: a few dozen at most.
KEEP_AT_MOST = 32

_kept: OrderedDict[str, sqlite3.Connection] = OrderedDict()
# Connections may open on several threads (Dagster's watchers, a step's threads).
_kept_lock = threading.Lock()


def commit_without_checkpoints() -> None:
    """From now on, in this process (idempotent)."""
    if not event.contains(Engine, "connect", _on_sqlite_connect):
        event.listen(Engine, "connect", _on_sqlite_connect)


def _on_sqlite_connect(dbapi_connection: object, _record: object) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    (mode,) = dbapi_connection.execute("pragma journal_mode").fetchone()
    if mode != "wal":
        return
    dbapi_connection.execute("pragma synchronous = normal")
    path = dbapi_connection.execute("pragma database_list").fetchone()[2]
    with _kept_lock:
        if path in _kept:
            _kept.move_to_end(path)
            return
        keeper = sqlite3.connect(path, check_same_thread=False)
        keeper.execute("select 1 from sqlite_master limit 1").fetchall()  # attaches it to the WAL
        _kept[path] = keeper
        if len(_kept) > KEEP_AT_MOST:
            _kept.popitem(last=False)[1].close()
