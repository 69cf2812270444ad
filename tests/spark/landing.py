"""Copy tables of a DuckDB warehouse into Spark, as Parquet tables of the same schema and name.

The interim landing of docs/engines.md (c): extraction and the config stay on DuckDB, and what dbt
reads as sources (the raw tables, the config tables, the Python-written history.customer_contacts)
is copied over. DuckDB writes each table to a Parquet file in a folder of its own; Spark declares a
Parquet table on that folder (TIMESTAMPTZ arrives as Spark's TIMESTAMP, VARCHAR[] as
array<string>, DECIMAL as is). A table over the files, not a copy: no Spark job per table.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def export_parquet(warehouse: Path, tables: Iterable[str], out: Path) -> dict[str, Path]:
    """`schema.table` -> a folder under `out` holding its rows as one Parquet file (from DuckDB)."""
    files = {}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        conn.execute("set TimeZone = 'UTC'")
        for name in tables:
            schema, table = name.split(".")
            folder = out / schema / table
            folder.mkdir(parents=True, exist_ok=True)
            conn.execute(f'copy "{schema}"."{table}" to \'{folder / "data.parquet"}\' (format parquet)')
            files[name] = folder
    return files


def land(spark: SparkSession, files: dict[str, Path]) -> None:
    """Create (or replace) each `schema.table` in Spark over its folder of Parquet files."""
    for schema in sorted({name.split(".")[0] for name in files}):
        spark.sql(f"create database if not exists `{schema}`")
    for name, folder in files.items():
        schema, table = name.split(".")
        spark.sql(f"drop table if exists `{schema}`.`{table}`")
        spark.sql(f"create table `{schema}`.`{table}` using parquet location '{folder}'")


def duckdb_tables(warehouse: Path, schemas: Iterable[str]) -> list[str]:
    """Every base table of the given schemas, as `schema.table`."""
    schemas = list(schemas)
    marks = ", ".join("?" * len(schemas))
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_type = 'BASE TABLE' and table_schema in ({marks}) order by 1, 2",
            schemas,
        ).fetchall()
    return [f"{schema}.{table}" for schema, table in rows]
