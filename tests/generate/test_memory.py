"""The generator keeps to the pipeline's DuckDB memory limit and leaves no spill files behind."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.generate import generate_sources
from pipelines.generate.engine import connect
from tests.generate.conftest import END


def _setting(conn: duckdb.DuckDBPyConnection, name: str) -> str:
    return conn.execute("select current_setting(?)", [name]).fetchone()[0]


def test_connection_uses_the_memory_limit_and_spills_where_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEGMENTS_DUCKDB_MEMORY_LIMIT", "300MB")
    reference = duckdb.connect(config={"memory_limit": "300MB"})
    default = duckdb.connect()
    conn = connect(seed=1, spill_dir=tmp_path)
    try:
        assert _setting(conn, "memory_limit") == _setting(reference, "memory_limit")
        assert _setting(conn, "memory_limit") != _setting(default, "memory_limit")
        assert Path(_setting(conn, "temp_directory")) == tmp_path
    finally:
        for c in (conn, reference, default):
            c.close()


def test_generation_leaves_only_the_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGMENTS_DUCKDB_MEMORY_LIMIT", "300MB")
    summary = generate_sources(tmp_path, customers=500, end_date=END, fmt="parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in summary.paths.values())
