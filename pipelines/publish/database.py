"""The published DuckDB file: built aside from the manifest's Parquet files, then swapped in.

Large tables are views over the immutable versioned Parquet files (absolute paths), so building
the file takes milliseconds and never copies earlier quarters; small tables are physical copies.
Schema `meta` holds the manifest (which file backs which table partition) and who published it.
Every table, view and column carries a comment (its description, from the dbt YAML of the model or
source it publishes) for BI tools to show.
The file is written in DuckDB storage format v1.0.0, so BI tools with an older DuckDB can open it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from pipelines.publish.manifest import Entry
from pipelines.publish.tables import PublishedTable

STORAGE_VERSION = "v1.0.0"
ALIAS = "published"

MANIFEST_DESCRIPTION = (
    "The Parquet file behind each published table and partition (relative to this directory)."
)
MANIFEST_COLUMNS = {
    "table_name": "The published table (schema main) the file belongs to.",
    "snapshot_date": "The partition the file holds (to_snapshot for segment_migration); for the tables of "
    "the latest snapshot only, that snapshot.",
    "partitioned": "True when the file is one partition of its table; false for the single file of a table "
    "of the latest snapshot.",
    "source_version": "The write of history the file was made from (history.history_snapshots.version; "
    "'earlier>later' for a migration); a newer write makes the file stale.",
    "file": "Path of the Parquet file, relative to the directory of this DuckDB file.",
    "rows": "Rows in the file.",
}
PUBLISH_DESCRIPTION = "The publish that wrote this file: one row."
# The columns of meta.publish: the `info` publisher.publish passes to build_database.
PUBLISH_COLUMNS = {
    "publish_id": "Identifier of the publish (time-sortable, unique per run); names its versioned files.",
    "run_id": "The Dagster run that published.",
    "published_at": "When this file was built (UTC).",
    "latest_snapshot": "The latest snapshot date published (the one customer_segments, customer_tags and "
    "tag_catalog show).",
    "snapshots": "Number of snapshots published.",
}


@dataclass(frozen=True)
class Published:
    """What a published file says about itself."""

    publish_id: str
    published_at: datetime
    entries: list[Entry]


def read_published(path: Path) -> Published | None:
    """The manifest of the published file at `path`; None if there is none or it is unreadable.

    None makes the next publish rewrite every file (slower, never wrong).
    """
    if not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as conn:
            info = conn.execute("select publish_id, published_at from meta.publish").fetchone()
            rows = conn.execute(
                "select table_name, snapshot_date, partitioned, source_version, file, rows from meta.manifest"
            ).fetchall()
    except duckdb.Error:
        return None
    return Published(info[0], info[1], [Entry(*row) for row in rows])


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _read_files(table: PublishedTable, files: Sequence[Path]) -> str:
    listed = "[" + ", ".join(_quote(str(path)) for path in files) + "]"
    column = table.file_partition_column
    if column is None:
        return f"select * from read_parquet({listed}, union_by_name = true)"
    # The partition column comes from the hive directory name; put it back in history's order.
    leading = ", ".join(table.leading_columns)
    return (
        f"select {leading}, * exclude ({leading}) from read_parquet({listed}, hive_partitioning = true, "
        f"hive_types = {{'{column}': date}}, union_by_name = true)"
    )


def _empty(table: PublishedTable) -> str:
    # No file yet (e.g. migrations before the second snapshot): same columns, no rows.
    column = table.partition_column
    if column is None:
        return f"select * from ({table.query}) where false"
    leading = ", ".join(table.leading_columns)
    return (
        f"select {leading}, * exclude ({leading}) from "
        f"(select cast(null as date) as {column}, * from ({table.query})) where false"
    )


def build_database(
    conn: duckdb.DuckDBPyConnection,
    target: Path,
    published_dir: Path,
    entries: Sequence[Entry],
    info: Mapping[str, object],
    tables: Sequence[PublishedTable],
) -> list[str]:
    """Write a complete published file at `target` (a temporary name) from `conn` (the warehouse).

    Returns the columns left without a description (`schema.table.column`), normally none.
    """
    target.unlink(missing_ok=True)
    conn.execute(
        f"attach {_quote(str(target))} as {ALIAS} (read_only false, storage_version '{STORAGE_VERSION}')"
    )
    undocumented = []
    try:
        for table in tables:
            files = sorted(
                (entry for entry in entries if entry.table == table.name),
                key=lambda entry: entry.snapshot_date,
            )
            paths = [published_dir / entry.file for entry in files]
            select = _read_files(table, paths) if paths else _empty(table)
            kind = "view" if table.stored == "view" and paths else "table"
            # Only the empty fallback has a parameter (any date: it selects no rows).
            params = {"snapshot_date": date.min} if "$snapshot_date" in select else {}
            conn.execute(f"create {kind} {ALIAS}.main.{table.name} as {select}", params)
            conn.execute(f"comment on {kind} {ALIAS}.main.{table.name} is {_quote(table.description)}")
            undocumented += _comment_columns(conn, "main", table.name, table.columns)
        _write_meta(conn, entries, info)
        undocumented += _comment_columns(conn, "meta", "manifest", MANIFEST_COLUMNS)
        undocumented += _comment_columns(conn, "meta", "publish", PUBLISH_COLUMNS)
    finally:
        conn.execute(f"detach {ALIAS}")
    return undocumented


def _comment_columns(
    conn: duckdb.DuckDBPyConnection, schema: str, table: str, descriptions: Mapping[str, str]
) -> list[str]:
    """Comment every column of `schema.table` with its description; returns those without one."""
    columns = conn.execute(
        "select column_name from duckdb_columns() where database_name = $db and schema_name = $schema "
        "and table_name = $table order by column_index",
        {"db": ALIAS, "schema": schema, "table": table},
    ).fetchall()
    undocumented = []
    for (column,) in columns:
        description = descriptions.get(column)
        if description:
            conn.execute(f'comment on column {ALIAS}.{schema}.{table}."{column}" is {_quote(description)}')
        else:
            undocumented.append(f"{schema}.{table}.{column}")
    return undocumented


def _write_meta(
    conn: duckdb.DuckDBPyConnection, entries: Sequence[Entry], info: Mapping[str, object]
) -> None:
    conn.execute(f"create schema {ALIAS}.meta")
    conn.execute(
        f"""
        create table {ALIAS}.meta.manifest (
            table_name varchar, snapshot_date date, partitioned boolean, source_version varchar,
            file varchar, rows bigint
        )
        """
    )
    conn.executemany(
        f"insert into {ALIAS}.meta.manifest values (?, ?, ?, ?, ?, ?)",
        [
            [
                entry.table,
                entry.snapshot_date,
                entry.partitioned,
                entry.source_version,
                entry.file,
                entry.rows,
            ]
            for entry in entries
        ],
    )
    conn.execute(
        f"create table {ALIAS}.meta.publish as select " + ", ".join(f"${name} as {name}" for name in info),
        dict(info),
    )
    conn.execute(f"comment on table {ALIAS}.meta.manifest is {_quote(MANIFEST_DESCRIPTION)}")
    conn.execute(f"comment on table {ALIAS}.meta.publish is {_quote(PUBLISH_DESCRIPTION)}")
