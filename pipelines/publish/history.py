"""The authoritative history in the working warehouse (schema `history`): one full copy per quarter.

`write_snapshot` replaces one snapshot date in every history table in a single transaction
(delete, then insert from the marts). A re-run therefore never duplicates rows and leaves other
quarters untouched, and a run killed midway leaves no partial quarter (DuckDB rolls back what was
not committed). Quarters may be written in any order: the migrations that touch the written
snapshot (from the snapshot before it, to the snapshot after it) are recomputed, so the history
equals the one an in-order backfill builds.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import duckdb

from pipelines.publish.pii import install_pii_macros

SQL_DIR = Path(__file__).parent / "sql"

# History tables copied from a mart as they are (the marts hold one snapshot: the last dbt build).
MART_COPIES = {
    "segment_history": "marts.dim_customers",
    "tag_history": "marts.fct_customer_tags",
    "rfm_calibration": "marts.dim_rfm_calibration",
    "segment_summary": "marts.fct_segment_summary",
    "tag_catalog": "marts.dim_tag_catalog",
}
# Every table of schema `history` that holds rows per snapshot, in the order they are written.
HISTORY_TABLES = (
    *MART_COPIES,
    "customer_contacts",
    "quality_results",
    "segment_migration",
)
QUALITY_RESULTS_SOURCE = "main.quality_results"

# Descriptions of the columns this module creates (sql/customer_contacts.sql, sql/segment_migration.sql)
# that reach the published file; the copies of the marts are described by their dbt models, the
# quality results by pipelines.quality.results.COLUMN_DESCRIPTIONS.
CONTACT_COLUMNS = {
    "name_masked": "The customer's name masked: its first character, then one * per remaining character "
    "(a one-character name: *).",
    "phone_masked": "The phone number masked: the first 3 and last 4 digits of the national number, the "
    "others * (7 digits or fewer: all *).",
    "contact_hash": "sha256 of the salt followed by the normalised email (trimmed, lower-case) or, without "
    "a valid email, the E.164 phone; a system that knows the salt computes it to join back.",
    "contact_hash_basis": "What contact_hash was computed from: email or phone (null: neither is valid).",
}
MIGRATION_COLUMNS = {
    "from_snapshot": "The earlier snapshot of the pair (the snapshot before to_snapshot in history).",
    "to_snapshot": "The later snapshot of the pair.",
    "from_segment": "The customer's segment on from_snapshot; newly_registered when not a customer then.",
    "to_segment": "The customer's segment on to_snapshot; removed when no longer a customer then.",
    "customers": "Customers who moved from from_segment to to_segment (or stayed, when both are equal).",
}


@cache
def sql(name: str) -> str:
    """The statement in `sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class SnapshotWritten:
    """What one write of a snapshot changed: rows per history table, and the snapshots after it."""

    snapshot_date: date
    version: str
    rows: dict[str, int]
    snapshots: list[date]


class MartsMismatchError(RuntimeError):
    """The marts do not hold the snapshot being written (another run rebuilt them in between)."""


def check_marts_hold(conn: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Fail unless every mart copied into history holds exactly the snapshot `as_of`.

    The marts hold one snapshot, the last one dbt built. If another quarter's run rebuilt them
    between this run's dbt step and this step, copying them would file that quarter under `as_of`.
    """
    for table in MART_COPIES.values():
        try:
            found = conn.execute(f"select distinct snapshot_date from {table}").fetchall()
        except duckdb.CatalogException as exc:
            raise MartsMismatchError(
                f"{table} does not exist in the warehouse: build the dbt models for {as_of} first"
            ) from exc
        dates = sorted(row[0] for row in found)
        if dates and dates != [as_of]:
            raise MartsMismatchError(
                f"{table} holds snapshot {', '.join(map(str, dates))}, not {as_of}: another run rebuilt "
                f"the marts in between (runs of different quarters must not overlap); re-run {as_of}"
            )


def ensure_history_tables(conn: duckdb.DuckDBPyConnection) -> None:
    """Create schema `history` and its tables if missing; add columns the marts gained since."""
    conn.execute(sql("history_tables"))
    for table, source in MART_COPIES.items():
        # Explicit columns, not `create table ... as select ... limit 0`: DuckDB 2.0.0 then silently
        # deletes nothing from a table created empty by CTAS in the same transaction as a large
        # insert (tests/publish/test_history.py keeps this covered).
        columns = ", ".join(f'"{name}" {column_type}' for name, column_type in _columns(conn, source))
        conn.execute(f"create table if not exists history.{table} ({columns})")
        _add_missing_columns(conn, f"history.{table}", source)
    if _table_exists(conn, QUALITY_RESULTS_SOURCE):
        _add_missing_columns(conn, "history.quality_results", QUALITY_RESULTS_SOURCE)


def write_snapshot(conn: duckdb.DuckDBPyConnection, as_of: date, run_id: str, salt: str) -> SnapshotWritten:
    """Replace snapshot `as_of` in every history table with the marts' rows, in one transaction."""
    check_marts_hold(conn, as_of)
    install_pii_macros(conn)
    version = uuid.uuid4().hex
    conn.execute("begin transaction")
    try:
        ensure_history_tables(conn)
        rows = {}
        for table, source in MART_COPIES.items():
            rows[table] = _replace(
                conn, table, as_of, f"insert into history.{table} by name select * from {source}"
            )
        rows["customer_contacts"] = _replace(
            conn, "customer_contacts", as_of, sql("customer_contacts"), {"snapshot_date": as_of, "salt": salt}
        )
        rows["quality_results"] = 0
        if _table_exists(conn, QUALITY_RESULTS_SOURCE):
            rows["quality_results"] = _replace(
                conn,
                "quality_results",
                as_of,
                sql("quality_results"),
                {"snapshot_date": as_of, "run_id": run_id},
            )
        conn.execute("delete from history.snapshots where snapshot_date = $d", {"d": as_of})
        conn.execute(
            "insert into history.snapshots values ($d, $version, $run_id, $written_at, $customers, $tags)",
            {
                "d": as_of,
                "version": version,
                "run_id": run_id,
                "written_at": datetime.now(UTC),
                "customers": rows["segment_history"],
                "tags": rows["tag_history"],
            },
        )
        rows["segment_migration"] = recompute_migrations(conn, as_of)
        snapshots = snapshot_dates(conn)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return SnapshotWritten(as_of, version, rows, snapshots)


def recompute_migrations(conn: duckdb.DuckDBPyConnection, as_of: date) -> int:
    """Rebuild the migrations into and out of `as_of`; drop any that skipped over it.

    Returns the number of customers counted in the migration into `as_of` (0 for the first snapshot).
    """
    conn.execute(
        "delete from history.segment_migration where from_snapshot = $d or to_snapshot = $d "
        "or (from_snapshot < $d and to_snapshot > $d)",
        {"d": as_of},
    )
    before, after = neighbours(snapshot_dates(conn), as_of)
    for pair in ((before, as_of), (as_of, after)):
        if pair[0] is not None and pair[1] is not None:
            conn.execute(sql("segment_migration"), {"from_snapshot": pair[0], "to_snapshot": pair[1]})
    found = conn.execute(
        "select coalesce(sum(customers), 0) from history.segment_migration where to_snapshot = $d",
        {"d": as_of},
    ).fetchone()
    return int(found[0])


def neighbours(snapshots: Sequence[date], as_of: date) -> tuple[date | None, date | None]:
    """The snapshots just before and just after `as_of` in history (None at either end)."""
    before = [d for d in snapshots if d < as_of]
    after = [d for d in snapshots if d > as_of]
    return (before[-1] if before else None, after[0] if after else None)


def snapshot_dates(conn: duckdb.DuckDBPyConnection) -> list[date]:
    """Every snapshot date in history, oldest first."""
    return [
        row[0] for row in conn.execute("select snapshot_date from history.snapshots order by 1").fetchall()
    ]


def snapshot_versions(conn: duckdb.DuckDBPyConnection) -> list[tuple[date, str]]:
    """(snapshot date, version of its current write), oldest first; empty before the first write."""
    if not _table_exists(conn, "history.snapshots"):
        return []
    return conn.execute("select snapshot_date, version from history.snapshots order by 1").fetchall()


def _replace(
    conn: duckdb.DuckDBPyConnection, table: str, as_of: date, insert: str, params: dict | None = None
) -> int:
    conn.execute(f"delete from history.{table} where snapshot_date = $d", {"d": as_of})
    return int(conn.execute(insert, params or {}).fetchone()[0])


def _table_exists(conn: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    found = conn.execute(
        "select count(*) from duckdb_tables() where schema_name = $schema and table_name = $table "
        "and database_name = current_database()",
        {"schema": schema, "table": table},
    ).fetchone()
    return found[0] > 0


def _columns(conn: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in conn.execute(f"describe {table}").fetchall()]


def _add_missing_columns(conn: duckdb.DuckDBPyConnection, target: str, source: str) -> None:
    present = {name for name, _ in _columns(conn, target)}
    for name, column_type in _columns(conn, source):
        if name not in present:
            conn.execute(f'alter table {target} add column "{name}" {column_type}')
