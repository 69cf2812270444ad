"""Synthetic orders: seasonal timing, persistent channel/category/payment habits, lognormal prices.

Builds the table `ord` (one row per order, final version) from the customer profiles in `cust`
and the hourly seasonal weights in `hours`. SQL in `sql/orders.sql`.
"""

from __future__ import annotations

import duckdb

from pipelines.generate import vocab
from pipelines.generate.engine import run_script

REFUND_SHARE = 0.05
CANCEL_SHARE = 0.03
# Payment at the till, in the order of vocab.PAYMENT_METHODS.
STORE_PAYMENT = {"individual": (30, 42, 18, 10, 0), "enterprise": (5, 10, 45, 0, 40)}


def build_orders(conn: duckdb.DuckDBPyConnection, start_s: int, end_s: int) -> int:
    """Create `ord`; returns the number of orders."""
    params = {
        "start_s": start_s,
        "end_s": end_s,
        "refund_share": REFUND_SHARE,
        "cancel_share": CANCEL_SHARE,
        "category_ind": vocab.weighted_slots([c[2] for c in vocab.CATEGORIES]),
        "category_ent": vocab.weighted_slots([c[3] for c in vocab.CATEGORIES]),
        "category_price": [c[1] for c in vocab.CATEGORIES],
        "payment_ind": vocab.weighted_slots(vocab.PAYMENT_WEIGHTS["individual"]),
        "payment_ent": vocab.weighted_slots(vocab.PAYMENT_WEIGHTS["enterprise"]),
        "store_payment_ind": vocab.weighted_slots(STORE_PAYMENT["individual"]),
        "store_payment_ent": vocab.weighted_slots(STORE_PAYMENT["enterprise"]),
    }
    run_script(conn, "orders.sql", params)
    conn.execute("drop table cust_o")
    return conn.execute("select count(*) from ord").fetchone()[0]
