"""What storing Dagster's events costs, with and without pipelines/instance_storage.py.

    python bench/event_store.py sqlite        # SQLite alone: a commit per new connection on a WAL file
    python bench/event_store.py run on|off    # a fixed-scale quarter in-process, time in store_event

`run` measures on bench.py's fixed sources (generated if missing), with Dagster's SQLite
`store_event` wrapped in a timer (a measurement only: nothing else here touches Dagster's
internals). Numbers: docs/benchmarks.md, "third session".
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMMITS = 300


def sqlite_commits() -> None:
    """Per commit, as Dagster writes: a new connection, one insert, commit, close."""
    with tempfile.TemporaryDirectory(dir=REPO / ".cache") as tmp:
        path = Path(tmp) / "events.db"
        with sqlite3.connect(path) as conn:
            conn.execute("pragma journal_mode = wal")
            conn.execute("create table events (id integer)")

        def per_commit(synchronous: str) -> float:
            started = time.perf_counter()
            for i in range(COMMITS):
                conn = sqlite3.connect(path)
                conn.execute(f"pragma synchronous = {synchronous}")
                conn.execute("insert into events values (?)", [i])
                conn.commit()
                conn.close()
            return (time.perf_counter() - started) / COMMITS * 1000

        print(f"as Dagster does it:          {per_commit('full'):.2f} ms per commit")
        keeper = sqlite3.connect(path)
        keeper.execute("select 1 from sqlite_master limit 1").fetchall()
        print(f"another connection open:     {per_commit('full'):.2f} ms per commit")
        print(f"and synchronous = normal:    {per_commit('normal'):.2f} ms per commit")
        keeper.close()


def timed_run(mode: str) -> None:
    from bench import CACHE, QUARTER, sources  # bench/bench.py: this script's folder comes first on sys.path

    data_dir = CACHE / "fixed" / "event-store"
    shutil.rmtree(data_dir, ignore_errors=True)
    os.environ.update(SEGMENTS_SOURCE_DIR=str(sources("fixed")), SEGMENTS_DATA_DIR=str(data_dir))
    os.environ.pop("DAGSTER_HOME", None)
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    import pipelines.instance_storage

    if mode == "off":
        pipelines.instance_storage.instance_yaml = lambda home: ""
    spent = {"seconds": 0.0, "events": 0}
    store_event = SqliteEventLogStorage.store_event

    def timed(self: SqliteEventLogStorage, event: object) -> None:
        started = time.perf_counter()
        try:
            store_event(self, event)
        finally:
            spent["seconds"] += time.perf_counter() - started
            spent["events"] += 1

    SqliteEventLogStorage.store_event = timed
    from pipelines.cli import main

    started = time.perf_counter()
    code = main(["run", "--quarter", QUARTER])
    print(
        f"{mode}: exit {code}, run {time.perf_counter() - started:.1f} s, "
        f"store_event {spent['seconds']:.2f} s for {spent['events']} events"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["sqlite"]:
        sqlite_commits()
    elif sys.argv[1:2] == ["run"] and sys.argv[2:3] in (["on"], ["off"]):
        timed_run(sys.argv[2])
    else:
        sys.exit(__doc__)
