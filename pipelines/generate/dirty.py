"""Dirty rows: the defects real source files have, injected at the configured rates and counted.

Turns the clean tables (`crm`, `ord`, `tix`) into the delivered files' content (`out_crm`,
`out_orders`, `out_tickets`): text timestamps, earlier versions and duplicates, malformed contacts,
blanks, and broken copies of clean rows. Every dirty row carries exactly one defect, recorded in
`_kind`, so each can be counted (and checked against what extraction quarantines).
SQL in `sql/dirty_*.sql`.
"""

from __future__ import annotations

from dataclasses import asdict

import duckdb

from pipelines.generate import vocab
from pipelines.generate.customers import customer_id_width
from pipelines.generate.engine import run_script
from pipelines.generate.rates import DIRTY_KINDS, DirtyRates

FUTURE_BASE_S = 10 * 31_557_600  # future timestamps lie 10-20 years after the end date
FUTURE_SPAN_S = 10 * 31_557_600
OUTPUT_TABLES = {"crm_customers": "out_crm", "orders": "out_orders", "tickets": "out_tickets"}


def _id_width(rows: int) -> int:
    return max(8, len(str(2 * rows)))


def inject_dirty(
    conn: duckdb.DuckDBPyConnection, customers: int, end_s: int, rates: DirtyRates
) -> dict[str, dict[str, int]]:
    """Build the `out_*` tables; returns the number of dirty rows per source and kind."""
    n_orders = conn.execute("select count(*) from ord").fetchone()[0]
    n_tickets = conn.execute("select count(*) from tix").fetchone()[0]
    common = {
        **asdict(rates),
        "id_width": customer_id_width(customers),
        "n_customers": customers,
        "end_s": end_s,
        "future_base_s": FUTURE_BASE_S,
        "future_span_s": FUTURE_SPAN_S,
        "bad_timestamps": list(vocab.BAD_TIMESTAMPS),
        "phone_prefixes": list(vocab.PHONE_PREFIXES),
    }
    run_script(conn, "dirty_customers.sql", common)
    run_script(
        conn,
        "dirty_orders.sql",
        {
            **common,
            "n_clean": n_orders,
            "order_width": _id_width(n_orders),
            "categories": [c[0] for c in vocab.CATEGORIES],
            "channels": list(vocab.CHANNELS),
            "payment_methods": list(vocab.PAYMENT_METHODS),
            "unknown_statuses": list(vocab.UNKNOWN_STATUSES),
        },
    )
    run_script(
        conn,
        "dirty_tickets.sql",
        {
            **common,
            "n_clean": n_tickets,
            "ticket_width": _id_width(n_tickets),
            "ticket_types": list(vocab.TICKET_TYPES),
            "ticket_channels": list(vocab.TICKET_CHANNELS),
        },
    )
    counts: dict[str, dict[str, int]] = {}
    for source, table in OUTPUT_TABLES.items():
        found = dict(
            conn.execute(
                f"select _kind, count(*) from {table} where _kind is not null group by _kind"
            ).fetchall()
        )
        unexpected = set(found) - set(DIRTY_KINDS[source])
        if unexpected:
            raise RuntimeError(f"{table}: dirty kinds {sorted(unexpected)} are not declared for {source}")
        counts[source] = {kind: found.get(kind, 0) for kind in DIRTY_KINDS[source]}
    return counts
