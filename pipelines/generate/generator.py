"""`generate_sources`: write the three synthetic source files for N customers, deterministically.

Stages (each timed and reported through `progress`): seasonal calendar, customers, orders,
tickets, dirty rows, then one file per source. Everything runs in one in-memory DuckDB; randomness
is a hash of (seed, row id, salt), so the same arguments give byte-identical files.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pipelines.extract.sources import CRM_CUSTOMERS, ORDERS, TICKETS
from pipelines.generate.calendar import build_hours, epoch_seconds, history_start, latest_complete_quarter_end
from pipelines.generate.customers import build_customers
from pipelines.generate.dirty import OUTPUT_TABLES, inject_dirty
from pipelines.generate.engine import Stopwatch, connect
from pipelines.generate.orders import build_orders
from pipelines.generate.rates import DirtyRates, GenerationSummary
from pipelines.generate.tickets import build_tickets
from pipelines.generate.writer import EXTENSIONS, write_source

SPECS = {spec.name: spec for spec in (CRM_CUSTOMERS, ORDERS, TICKETS)}


def generate_sources(
    out_dir: Path,
    customers: int,
    seed: int = 42,
    end_date: date | None = None,
    fmt: str = "csv",
    years: int = 3,
    dirty: DirtyRates = DirtyRates(),  # noqa: B008 - frozen, hence a safe default
    progress: Callable[[str], None] | None = None,
) -> GenerationSummary:
    """Write `crm_customers`, `orders` and `tickets` (.csv, .parquet or .jsonl) into `out_dir`.

    History covers `years` years ending on `end_date` (default: the last day of the latest complete
    quarter). Clean events lie between a customer's registration and `end_date`; only dirty rows
    may be dated later. Files of the same sources in another format are removed from `out_dir`.
    """
    if customers < 1:
        raise ValueError(f"customers = {customers}: generate at least one customer")
    if years < 1:
        raise ValueError(f"years = {years}: the history must span at least one year")
    if fmt not in EXTENSIONS:
        raise ValueError(f"format '{fmt}' is not one of {', '.join(EXTENSIONS)}")
    end = end_date or latest_complete_quarter_end(date.today())
    start = history_start(end, years)
    start_s, end_s = epoch_seconds(start), epoch_seconds(end) + 86_399
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    watch = Stopwatch(progress)
    # DuckDB spills beyond the memory limit into a folder of `out`, removed whatever happens.
    with tempfile.TemporaryDirectory(prefix=".generate-spill-", dir=out) as spill:
        conn = connect(seed, Path(spill))
        try:
            t = time.perf_counter()
            watch.stage("calendar", t, build_hours(conn, start, end))

            t = time.perf_counter()
            watch.stage("customers", t, build_customers(conn, customers, start_s, end_s, end))
            t = time.perf_counter()
            watch.stage("orders", t, build_orders(conn, start_s, end_s))
            t = time.perf_counter()
            watch.stage("tickets", t, build_tickets(conn, end_s))
            t = time.perf_counter()
            counts = inject_dirty(conn, customers, end_s, dirty)
            watch.stage("dirty rows", t, sum(sum(kinds.values()) for kinds in counts.values()))

            paths: dict[str, Path] = {}
            rows: dict[str, int] = {}
            for source, table in OUTPUT_TABLES.items():
                t = time.perf_counter()
                rows[source] = conn.execute(f"select count(*) from {table}").fetchone()[0]
                paths[source] = write_source(conn, table, SPECS[source], out, fmt)
                watch.stage(f"write {paths[source].name}", t, rows[source])
        finally:
            conn.close()
    return GenerationSummary(
        out_dir=out,
        fmt=fmt,
        seed=seed,
        customers=customers,
        start_date=start,
        end_date=end,
        paths=paths,
        rows=rows,
        dirty=counts,
        timings=watch.timings,
    )
