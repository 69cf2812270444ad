"""Synthetic support tickets: after troubled orders, general questions, and complaints before churn.

Builds the table `tix` (one row per ticket) from `cust` and `ord`. SQL in `sql/tickets.sql`.
"""

from __future__ import annotations

import duckdb

from pipelines.generate import vocab
from pipelines.generate.engine import run_script

# Ticket type mix per cause, in the order of vocab.TICKET_TYPES (inquiry, complaint, suggestion,
# after_sales).
TYPE_MIX = {
    "refunded": (5, 25, 0, 70),
    "cancelled": (55, 30, 0, 15),
    "completed": (40, 12, 8, 40),
    "general": (60, 6, 22, 12),
    "pre_churn": (25, 45, 0, 30),
}
# Chance that an order leads to a ticket, by its status; more when the customer is about to churn.
TICKET_CHANCE = {"refunded": 0.3, "cancelled": 0.08, "completed": 0.012, "near_churn": 0.03}
GENERAL_BASE = 0.3  # general tickets per customer ...
GENERAL_PER_ORDER = 0.012  # ... plus this per order (up to 20 orders)
PRE_CHURN_MAX = 2.0  # churners file 0-1 tickets (uniform) in the 120 days before churning
# Channel, in the order of vocab.TICKET_CHANNELS (phone, chat, email, app, store).
CHANNEL_MIX = {"store": (40, 15, 5, 0, 40), "online": (30, 40, 10, 20, 0)}
# Satisfaction 1..5: complaints score low.
SCORE_MIX = {"complaint": (35, 30, 20, 10, 5), "other": (3, 7, 20, 35, 35)}
NO_SCORE_SHARE = 0.25
UNRESOLVED_SHARE = 0.03


def build_tickets(conn: duckdb.DuckDBPyConnection, end_s: int) -> int:
    """Create `tix`; returns the number of tickets."""
    params = {
        "end_s": end_s,
        **{f"type_{cause}": vocab.weighted_slots(mix) for cause, mix in TYPE_MIX.items()},
        **{f"p_{status}": chance for status, chance in TICKET_CHANCE.items()},
        "general_base": GENERAL_BASE,
        "general_per_order": GENERAL_PER_ORDER,
        "pre_churn_max": PRE_CHURN_MAX,
        "channel_store": vocab.weighted_slots(CHANNEL_MIX["store"]),
        "channel_online": vocab.weighted_slots(CHANNEL_MIX["online"]),
        "score_complaint": vocab.weighted_slots(SCORE_MIX["complaint"]),
        "score_other": vocab.weighted_slots(SCORE_MIX["other"]),
        "no_score_share": NO_SCORE_SHARE,
        "unresolved_share": UNRESOLVED_SHARE,
    }
    run_script(conn, "tickets.sql", params)
    conn.execute("drop table tix_raw")
    return conn.execute("select count(*) from tix").fetchone()[0]
