"""The bounded frames the GX suites validate, computed in DuckDB from the warehouse.

Every function returns a small pandas frame (one profile row, one row per score or segment, one row
per column or distinct tag) whatever the number of customers: row-level work stays in SQL.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.extract.sources import SourceSpec

SQL_DIR = Path(__file__).parent / "sql"


@functools.cache
def sql(name: str) -> str:
    """The statement in `pipelines/quality/sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _frame(conn: duckdb.DuckDBPyConnection, statement: str, params: dict | None = None) -> pd.DataFrame:
    return conn.execute(statement, params or {}).df()


def raw_table(spec: SourceSpec) -> str:
    return f"{spec.schema}.{spec.table}"


def expected_columns(conn: duckdb.DuckDBPyConnection, spec: SourceSpec) -> list[str]:
    """`name TYPE` of every contract column (types as DuckDB names them) and the version flag."""
    columns = [(c.name, c.sql_type) for c in spec.columns] + [("_is_latest", "BOOLEAN")]
    return [
        f"{name} {conn.execute(f'select typeof(null::{sql_type})').fetchone()[0]}"
        for name, sql_type in columns
    ]


def raw_schema(conn: duckdb.DuckDBPyConnection, spec: SourceSpec) -> pd.DataFrame:
    """One row per column of the raw table: column_name, data_type, column_spec ('name TYPE')."""
    return _frame(
        conn,
        """
        select column_name, data_type, column_name || ' ' || data_type as column_spec
        from information_schema.columns
        where table_schema = $schema and table_name = $table
        order by ordinal_position
        """,
        {"schema": spec.schema, "table": spec.table},
    )


def raw_keys(conn: duckdb.DuckDBPyConnection, spec: SourceSpec) -> pd.DataFrame:
    return _frame(conn, sql("raw_keys").format(table=raw_table(spec), key=spec.key))


def raw_load(conn: duckdb.DuckDBPyConnection, spec: SourceSpec) -> pd.DataFrame:
    return _frame(conn, sql("raw_load"), {"source": spec.name})


def customer_features(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _frame(conn, sql("customer_features"))


def rfm_scores(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _frame(conn, sql("rfm_scores"))


def segments(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _frame(conn, sql("segments"))


def segment_shares(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _frame(conn, sql("segment_shares"))


def customer_tags(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _frame(conn, sql("customer_tags"))


def segment_codes(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The business segments of the config in force (written by the config asset before dbt)."""
    return [
        row[0] for row in conn.execute("select segment from config.segments order by priority").fetchall()
    ]


def population(conn: duckdb.DuckDBPyConnection) -> int:
    return conn.execute("select count(*) from marts.dim_customers").fetchone()[0]


def mean_monetary(conn: duckdb.DuckDBPyConnection) -> float | None:
    return conn.execute("select avg(monetary)::double from marts.dim_customers").fetchone()[0]


def share_drift(
    current: pd.DataFrame, previous: dict[str, float], previous_date: date | None
) -> pd.DataFrame:
    """Per segment: share now and at the previous snapshot, and the points moved (a segment missing
    on one side has share 0 there). Empty when there is no previous snapshot."""
    columns = ["segment", "customer_share", "previous_share", "moved_points", "previous_snapshot"]
    if previous_date is None:
        return pd.DataFrame(columns=columns).astype({"moved_points": "float64"})
    now = {row.segment: float(row.customer_share) for row in current.itertuples()}
    rows = []
    for segment in sorted(set(now) | set(previous)):
        share, before = now.get(segment, 0.0), previous.get(segment, 0.0)
        rows.append((segment, share, before, round(abs(share - before) * 100, 4), previous_date.isoformat()))
    return pd.DataFrame(rows, columns=columns)


def monetary_shift(current: float | None, previous: float | None, previous_date: date | None) -> pd.DataFrame:
    """One row: mean monetary now and before, and the relative change (null without a baseline)."""
    change = None
    if current is not None and previous not in (None, 0):
        change = round(current / previous - 1, 6)
    return pd.DataFrame(
        [
            {
                "mean_monetary": current,
                "previous_mean_monetary": previous,
                "relative_change": change,
                "previous_snapshot": previous_date.isoformat() if previous_date else None,
            }
        ]
    ).astype({"relative_change": "float64"})
