"""What storing Dagster's events costs, with and without pipelines/instance_storage.py.

    python bench/event_store.py run on|off    # a fixed-scale quarter in-process, time in store_event

`off` runs on Dagster's own SQLite storage (a dagster.yaml without the storage section). Measures
on bench.py's fixed sources (generated if missing), with Dagster's SQLite `store_event` wrapped in a
timer (a measurement only: nothing else here touches Dagster's internals). Numbers:
docs/benchmarks.md, "third session" and "fourth session".
"""

from __future__ import annotations

import os
import shutil
import sys
import time


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
    if sys.argv[1:2] == ["run"] and sys.argv[2:3] in (["on"], ["off"]):
        timed_run(sys.argv[2])
    else:
        sys.exit(__doc__)
