"""Resources: the DuckDB warehouse connection and the source file location.

Paths are resolved when a resource is used, not when definitions load, so tests and the CLI can
point `SEGMENTS_DATA_DIR` / `SEGMENTS_SOURCE_DIR` anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from pipelines import settings


class Warehouse(dg.ConfigurableResource):
    """The working DuckDB warehouse (`$SEGMENTS_DATA_DIR/warehouse.duckdb`); one writer at a time."""

    data_dir: str | None = None

    def paths(self) -> settings.Paths:
        found = settings.paths()
        return settings.Paths(Path(self.data_dir), found.source_dir) if self.data_dir else found

    @property
    def path(self) -> Path:
        return self.paths().warehouse

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        paths = self.paths()
        paths.data_dir.mkdir(parents=True, exist_ok=True)
        config = {**settings.duckdb_settings(), "temp_directory": str(paths.duckdb_temp_dir)}
        conn = duckdb.connect(str(paths.warehouse), read_only=read_only, config=config)
        try:
            conn.execute("set TimeZone = 'UTC'")
            yield conn
        finally:
            conn.close()


class SourceDirectory(dg.ConfigurableResource):
    """Where the source files are: `SEGMENTS_SOURCE_DIR`, or embedded synthetic data made on demand."""

    source_dir: str | None = None

    def resolve(self, log: Callable[[str], None]) -> Path:
        if self.source_dir:
            return Path(self.source_dir)
        paths = settings.paths()
        if paths.source_dir:
            return paths.source_dir
        # Imported here: only runs without SEGMENTS_SOURCE_DIR need the generator.
        from pipelines.extract.embedded import ensure_embedded_sources

        return ensure_embedded_sources(paths.embedded_sources, date.today(), log)
