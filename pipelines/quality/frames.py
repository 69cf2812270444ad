"""The bounded frames the GX suites validate, computed in DuckDB from the warehouse.

Every function returns a small pandas frame (one profile row, one row per column or segment)
whatever the number of customers: row-level work stays in SQL (and row-level rules in dbt tests).
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
    return _frame(
        conn, sql("raw_keys").format(table=f"{spec.schema}.{spec.table}", key=spec.key_expression())
    )


def raw_load(conn: duckdb.DuckDBPyConnection, spec: SourceSpec) -> pd.DataFrame:
    return _frame(conn, sql("raw_load"), {"source": spec.name})


def segment_share_drift(conn: duckdb.DuckDBPyConnection, snapshot: date) -> pd.DataFrame:
    """Per segment: share at `snapshot` and at the snapshot before it in history, and the points
    moved (a segment missing on one side has share 0 there). Empty without a previous snapshot."""
    return _frame(conn, sql("segment_share_drift"), {"snapshot": snapshot})


def mean_monetary_shift(conn: duckdb.DuckDBPyConnection, snapshot: date) -> pd.DataFrame:
    """One row: mean monetary at `snapshot` and at the snapshot before it, and the relative change."""
    return _frame(conn, sql("mean_monetary_shift"), {"snapshot": snapshot})
