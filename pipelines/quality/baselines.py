"""What the drift warnings compare against: a few numbers per snapshot, kept in `quality_baselines`.

The marts hold one snapshot at a time, so the warning checks record what they measured (segment
shares, mean monetary) per snapshot date; "previous snapshot" is the latest earlier snapshot date,
whatever order quarters are run in. Re-running a quarter replaces its numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import duckdb

DDL = """
create table if not exists quality_baselines (
    snapshot_date date not null,
    metric varchar not null,
    dimension varchar not null,
    value double,
    run_id varchar,
    recorded_at timestamp with time zone default current_timestamp
)
"""


def record(
    conn: duckdb.DuckDBPyConnection,
    snapshot: date,
    metric: str,
    values: Mapping[str, float | None],
    run_id: str,
) -> None:
    """Replace the snapshot's values of `metric` (dimension -> value, e.g. segment -> share)."""
    conn.execute(DDL)
    conn.execute("begin transaction")
    try:
        conn.execute(
            "delete from quality_baselines where snapshot_date = ? and metric = ?", [snapshot, metric]
        )
        if values:
            conn.executemany(
                "insert into quality_baselines (snapshot_date, metric, dimension, value, run_id) "
                "values (?, ?, ?, ?, ?)",
                [[snapshot, metric, dimension, value, run_id] for dimension, value in values.items()],
            )
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise


def previous(
    conn: duckdb.DuckDBPyConnection, snapshot: date, metric: str
) -> tuple[date | None, dict[str, float | None]]:
    """The latest snapshot before `snapshot` that recorded `metric`, and its values."""
    conn.execute(DDL)
    found = conn.execute(
        "select max(snapshot_date) from quality_baselines where snapshot_date < ? and metric = ?",
        [snapshot, metric],
    ).fetchone()[0]
    if found is None:
        return None, {}
    rows = conn.execute(
        "select dimension, value from quality_baselines where snapshot_date = ? and metric = ?",
        [found, metric],
    ).fetchall()
    return found, dict(rows)
