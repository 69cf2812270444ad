"""Generated source sets shared by the generator tests (small: a few thousand customers each)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.generate import DirtyRates, GenerationSummary, generate_sources

END = date(2025, 12, 31)
CUSTOMERS = 2_000
# High enough that every kind occurs in a small set whatever the seed (defaults are ~0.2-1%).
HIGH_RATES = DirtyRates(**{name: 0.02 for name in DirtyRates.__dataclass_fields__})

Generate = Callable[..., GenerationSummary]


@pytest.fixture(scope="session")
def generate(tmp_path_factory: pytest.TempPathFactory) -> Generate:
    """Generate (once per distinct argument set) into a fresh directory."""
    cache: dict[tuple, GenerationSummary] = {}

    def run(
        fmt: str = "parquet",
        seed: int = 42,
        customers: int = CUSTOMERS,
        dirty: DirtyRates = DirtyRates(),  # noqa: B008 (frozen, used as a cache key)
        copy: int = 0,
    ) -> GenerationSummary:
        key = (fmt, seed, customers, dirty, copy)
        if key not in cache:
            out = tmp_path_factory.mktemp(f"gen_{fmt}_{seed}")
            cache[key] = generate_sources(
                out, customers=customers, seed=seed, end_date=END, fmt=fmt, dirty=dirty
            )
        return cache[key]

    return run


def read_sql(path: Path) -> str:
    """A relation of the file with every column as text, as extraction sees it."""
    fmt = path.suffix.lstrip(".")
    if fmt == "csv":
        return f"(select * from read_csv('{path}', header = true, all_varchar = true))"
    reader = "read_parquet" if fmt == "parquet" else "read_json"
    return f"(select columns(*)::varchar from {reader}('{path}'))"


def open_sources(summary: GenerationSummary) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with tables crm, orders, tickets (text columns) and the end instant."""
    conn = duckdb.connect()
    conn.execute("set TimeZone = 'UTC'")
    for table, source in (("crm", "crm_customers"), ("orders", "orders"), ("tickets", "tickets")):
        conn.execute(f"create table {table} as select * from {read_sql(summary.paths[source])}")
    # the last instant of history: the end date, 23:59:59 UTC
    conn.execute(f"create macro end_ts() as (timestamptz '{summary.end_date} 23:59:59+00')")
    conn.execute("create macro ts(x) as (try_cast(x as timestamptz))")
    return conn


@pytest.fixture(scope="session")
def sources(generate: Generate) -> Iterator[tuple[GenerationSummary, duckdb.DuckDBPyConnection]]:
    """A parquet set at the default dirty rates, opened."""
    summary = generate("parquet", customers=5_000)
    conn = open_sources(summary)
    yield summary, conn
    conn.close()
