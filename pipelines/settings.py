"""Paths and constants of the pipeline, resolved from the environment when asked, never at import.

Every environment variable the project reads is named here (and in `.env.example`).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
DEFAULT_CONFIG_PATH = REPO_ROOT / "config" / "segments.yml"

# The first quarter the partitions offer by default (CONTRACT section 4: any quarter from 1990Q1 on);
# SEGMENTS_FIRST_QUARTER narrows the range the UI lists when the data starts later.
DEFAULT_FIRST_QUARTER = "1990Q1"
TIMEZONE = "UTC"

DEV_PII_SALT = "segments-development-salt"  # noqa: S105 - a documented development default, not a secret


# The warehouse's file name in every data dir (dbt's parse state depends on it: dbt_runner).
WAREHOUSE_FILE = "warehouse.duckdb"


@dataclass(frozen=True)
class Paths:
    """Where the pipeline reads sources and writes its warehouse, instance and published files."""

    data_dir: Path
    source_dir: Path | None

    @property
    def warehouse(self) -> Path:
        return self.data_dir / WAREHOUSE_FILE

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @property
    def embedded_sources(self) -> Path:
        return self.data_dir / "sources"

    @property
    def sources(self) -> Path:
        """The configured source directory, or the embedded synthetic one."""
        return self.source_dir or self.embedded_sources

    @property
    def published_dir(self) -> Path:
        return self.data_dir / "published"

    @property
    def duckdb_temp_dir(self) -> Path:
        return self.data_dir / "tmp"


def paths() -> Paths:
    """Read `SEGMENTS_DATA_DIR` and `SEGMENTS_SOURCE_DIR` now (relative paths are from the cwd)."""
    data_dir = Path(os.environ.get("SEGMENTS_DATA_DIR") or "data").resolve()
    source = os.environ.get("SEGMENTS_SOURCE_DIR")
    return Paths(data_dir=data_dir, source_dir=Path(source).resolve() if source else None)


def first_quarter() -> str:
    """`SEGMENTS_FIRST_QUARTER` (e.g. `2015Q1`), else 1990Q1: the first quarter runs may target."""
    return os.environ.get("SEGMENTS_FIRST_QUARTER") or DEFAULT_FIRST_QUARTER


def pii_salt() -> str:
    """The salt for contact hashes; warns when the development default is in use."""
    salt = os.environ.get("SEGMENTS_PII_SALT")
    if salt:
        return salt
    warnings.warn(
        "SEGMENTS_PII_SALT is not set: contact hashes use the development salt. "
        "Set it to a secret value in production.",
        stacklevel=2,
    )
    return DEV_PII_SALT


def duckdb_settings() -> dict[str, str]:
    """DuckDB memory limit and threads, so large quarters spill to disk instead of failing."""
    settings = {"memory_limit": os.environ.get("SEGMENTS_DUCKDB_MEMORY_LIMIT", "10GB")}
    threads = os.environ.get("SEGMENTS_DUCKDB_THREADS")
    if threads:
        settings["threads"] = threads
    return settings
