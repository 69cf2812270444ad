"""The DuckDB session the generator runs in: hash-based randomness and small SQL helpers.

Randomness is a pure function of (seed, row id, salt): `u(id, salt)` hashes the id xor'ed with a
per-(seed, salt) constant, so every value is reproducible whatever the thread count or the order in
which DuckDB evaluates rows. Never use `random()`: it is not reproducible under parallelism.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines import settings

SQL_DIR = Path(__file__).parent / "sql"
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")

MACROS = """
create or replace temp macro u(i, k) as
    ((hash(xor(i::ubigint, hash({seed}::bigint, k::bigint))) >> 11)::double / 9007199254740992.0);
create or replace temp macro z(i, k) as
    (sqrt(-2.0 * ln(1.0 - u(i, k))) * cos(2.0 * pi() * u(i, k + 100003)));
create or replace temp macro pick(choices, i, k) as
    (choices[1 + floor(u(i, k) * len(choices))::integer]);
create or replace temp macro digits(i, k, n) as
    (lpad(floor(u(i, k) * pow(10, n))::bigint::varchar, n, '0'));
create or replace temp macro ts_text(s, zoned) as (
    case when zoned
        then strftime(make_timestamp((s + 28800) * 1000000), '%Y-%m-%dT%H:%M:%S') || '+08:00'
        else strftime(make_timestamp(s * 1000000), '%Y-%m-%dT%H:%M:%S')
    end);
"""


def connect(seed: int, spill_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the randomness macros bound to `seed`.

    It keeps to the pipeline's memory limit (`SEGMENTS_DUCKDB_MEMORY_LIMIT`) and spills beyond it
    into `spill_dir`: 10M customers need more than the machine's memory otherwise.
    """
    conn = duckdb.connect(":memory:", config={**settings.duckdb_settings(), "temp_directory": str(spill_dir)})
    conn.execute("set preserve_insertion_order = true")
    conn.execute("set enable_progress_bar = false")
    conn.execute(MACROS.format(seed=int(seed)))
    return conn


def run_script(conn: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, object]) -> None:
    """Run the `;`-separated statements of `sql/<name>`, each with the parameters it mentions."""
    text = (SQL_DIR / name).read_text()
    for statement in (s.strip() for s in text.split(";\n")):
        if not statement or all(line.lstrip().startswith("--") for line in statement.splitlines()):
            continue
        used = set(_PARAM.findall(statement))
        missing = used - params.keys()
        if missing:
            raise KeyError(f"sql/{name}: no value for parameter(s) {', '.join(sorted(missing))}")
        conn.execute(statement, {k: params[k] for k in used})


@dataclass
class Stopwatch:
    """Times the generator's stages and reports each one through `progress`."""

    progress: Callable[[str], None] | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def stage(self, name: str, started: float, rows: int | None = None) -> None:
        elapsed = time.perf_counter() - started
        self.timings[name] = round(elapsed, 3)
        if self.progress is not None:
            counted = f"{rows:,} rows in " if rows is not None else ""
            self.progress(f"{name}: {counted}{elapsed:.1f} s")
