"""One publish: history -> versioned Parquet files -> DuckDB file built aside -> swap -> mirror -> clean-up.

The order is what makes it safe to kill at any point:
1. new Parquet files are written under names nothing references yet;
2. the new `segments.duckdb` is written under a temporary name;
3. `os.replace` swaps it in: before this step readers see the previous publish, after it the new one;
4. the Parquet mirror is re-linked file by file (each file replaced atomically), and any mirror
   file a killed publish left stale is fixed by the next publish, which syncs the whole mirror;
5. files no recent publish references are deleted.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.publish import files
from pipelines.publish.database import build_database, read_published
from pipelines.publish.manifest import Entry, desired_entries, plan
from pipelines.publish.tables import PublishedTable, published_tables


class NothingToPublishError(RuntimeError):
    """History holds no snapshot yet."""


@dataclass(frozen=True)
class PublishResult:
    """The outcome of a publish, for the asset's metadata."""

    publish_id: str
    database: Path
    parquet_dir: Path
    entries: list[Entry]
    written: list[Entry]
    mirror_files_changed: int
    files_deleted: int
    seconds: float
    undocumented_columns: list[str]


def new_publish_id(run_id: str, now: datetime) -> str:
    """Sortable by time, unique per run: `20260701T020304123456-1a2b3c4d`."""
    return f"{now:%Y%m%dT%H%M%S%f}-{run_id[:8]}"


def snapshot_versions(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(snapshot date, version of its current write) in history, oldest first; empty before the first."""
    found = conn.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'history' and table_name = 'history_snapshots'"
    ).fetchone()[0]
    if not found:
        return []
    return conn.execute("select snapshot_date, version from history.history_snapshots order by 1").fetchall()


def write_version(
    conn: duckdb.DuckDBPyConnection, published_dir: Path, table: PublishedTable, entry: Entry, publish_id: str
) -> Entry:
    """Write one table partition to its immutable versioned file (via a temporary name)."""
    relative = files.version_file(table.name, table.partition_column, entry.snapshot_date, publish_id)
    target = published_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = files.temporary_name(target, "write")
    path = str(staged).replace("'", "''")
    params = {"snapshot_date": entry.snapshot_date} if table.partition_column else {}
    rows = conn.execute(
        f"copy ({table.query}) to '{path}' (format parquet, compression zstd)", params
    ).fetchone()[0]
    files.replace_atomically(staged, target)
    return entry.made(relative, int(rows))


def same_file_as(entry: Entry, source_table: str, entries: list[Entry]) -> Entry:
    """The entry of a `latest_of` table: the file of its source table's partition of the same snapshot."""
    source = next(e for e in entries if e.table == source_table and e.snapshot_date == entry.snapshot_date)
    return entry.made(source.file, source.rows)


def publish(
    conn: duckdb.DuckDBPyConnection,
    published_dir: Path,
    run_id: str,
    log: Callable[[str], None],
    dbt_manifest: Path,
) -> PublishResult:
    """Bring the published directory up to date with history (read through `conn`).

    `dbt_manifest` is the manifest of the dbt build that wrote history: it says what is published
    and describes every column.
    """
    started = time.monotonic()
    tables = published_tables(dbt_manifest)
    by_name = {table.name: table for table in tables}
    with files.publish_lock(published_dir, log):
        database = published_dir / files.DATABASE_NAME
        publish_id = new_publish_id(run_id, datetime.now(UTC))
        previous = read_published(database)
        snapshots = snapshot_versions(conn)
        if not snapshots:
            raise NothingToPublishError("history holds no snapshot yet: materialize the history assets first")
        the_plan = plan(
            desired_entries(snapshots, tables),
            previous.entries if previous else [],
            lambda entry: (published_dir / entry.file).is_file(),
        )
        log(
            f"Publishing {len(snapshots)} snapshots: {len(the_plan.write)} files to write, "
            f"{len(the_plan.keep)} unchanged, {len(the_plan.drop)} dropped"
        )
        written = [
            write_version(conn, published_dir, by_name[entry.table], entry, publish_id)
            for entry in the_plan.write
            if not by_name[entry.table].latest_of
        ]
        written += [
            same_file_as(entry, by_name[entry.table].latest_of, the_plan.keep + written)
            for entry in the_plan.write
            if by_name[entry.table].latest_of
        ]
        entries = sorted(the_plan.keep + written)

        staged = published_dir / f".{files.DATABASE_NAME}.{publish_id}.tmp"
        info = {
            "publish_id": publish_id,
            "run_id": run_id,
            "published_at": datetime.now(UTC),
            "latest_snapshot": snapshots[-1][0],
            "snapshots": len(snapshots),
        }
        undocumented = build_database(conn, staged, published_dir, entries, info, tables)
        swap_in(staged, database)
        published_at = datetime.now(UTC)
        files.write_record(published_dir, publish_id, published_at, (entry.file for entry in entries))
        if previous and not (published_dir / files.RECORDS_DIR / f"{previous.publish_id}.json").exists():
            # That publish was killed after its swap: remember its files for readers still on it.
            files.write_record(
                published_dir, previous.publish_id, previous.published_at, (e.file for e in previous.entries)
            )

        mirror = {
            files.mirror_file(
                entry.table, by_name[entry.table].file_partition_column, entry.snapshot_date
            ): entry.file
            for entry in entries
        }
        changed = files.sync_mirror(published_dir, mirror, publish_id)
        live = {entry.file for entry in entries} | {e.file for e in (previous.entries if previous else [])}
        deleted = files.collect_garbage(published_dir, live, published_at)
    return PublishResult(
        publish_id=publish_id,
        database=database,
        parquet_dir=published_dir / files.MIRROR_DIR,
        entries=entries,
        written=written,
        mirror_files_changed=changed,
        files_deleted=deleted,
        seconds=time.monotonic() - started,
        undocumented_columns=undocumented,
    )


def swap_in(staged: Path, database: Path) -> None:
    """Make the built file the published one (separate so that tests can kill a publish right here)."""
    files.replace_atomically(staged, database)
