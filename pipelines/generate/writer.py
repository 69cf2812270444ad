"""Write a source table to `<out_dir>/<name>.<ext>` (CSV with header, Parquet or JSON lines).

Columns are exactly those of the source spec, in its order. The table is already stored in file
order (see the dirty stage), and with `preserve_insertion_order` a plain scan returns rows in that
order; an ORDER BY inside COPY would make DuckDB write single-threaded, about twice as slow.
The file is written under a temporary name and renamed, so an interrupted run never leaves a
half-written source behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from pipelines.extract.sources import SourceSpec

EXTENSIONS = {"csv": "csv", "parquet": "parquet", "jsonl": "jsonl"}
COPY_OPTIONS = {
    "csv": "(format csv, header true)",
    "parquet": "(format parquet, compression zstd)",
    "jsonl": "(format json)",
}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_source(
    conn: duckdb.DuckDBPyConnection, table: str, spec: SourceSpec, out_dir: Path, fmt: str
) -> Path:
    """COPY `table` (in its stored order) to the file of `spec` in `fmt`; returns its path."""
    if fmt not in EXTENSIONS:
        raise ValueError(f"format '{fmt}' is not one of {', '.join(EXTENSIONS)}")
    path = out_dir / f"{spec.name}.{EXTENSIONS[fmt]}"
    staging = out_dir / f".{spec.name}.{EXTENSIONS[fmt]}.partial"
    columns = ", ".join(_quote(c) for c in spec.column_names)
    target = str(staging).replace("'", "''")
    conn.execute(f"copy (select {columns} from {table}) to '{target}' {COPY_OPTIONS[fmt]}")
    # Other formats of the same source would make the directory ambiguous for extraction.
    for other in EXTENSIONS.values():
        sibling = out_dir / f"{spec.name}.{other}"
        if other != EXTENSIONS[fmt] and sibling.is_file():
            sibling.unlink()
    os.replace(staging, path)
    return path
