"""Guards of the history (STYLE: history tables get their own gap and row-drop checks), as pure functions.

- A missing snapshot date between the first and the last means a quarter was skipped (runs out of
  order, or a failed run): its migrations then span two quarters. A warning: run the quarter.
- A large drop in customers from one snapshot to the next means a broken or partial source drop:
  customers are counted when registered on or before the snapshot date and are never deleted in
  normal operation. Blocking: such a snapshot must not reach BI.
"""

from collections.abc import Sequence
from datetime import date

import duckdb

from pipelines.quarters import Quarter

# Largest tolerated share of customers lost from one snapshot to the next (CRM deletions, e.g.
# erasure requests, stay far below it).
MAX_CUSTOMER_DROP = 0.10


def snapshot_customer_counts(conn: duckdb.DuckDBPyConnection) -> list[tuple[date, int]]:
    """Customers per snapshot date in history.segment_history, oldest first."""
    return conn.execute(
        "select snapshot_date, count(*) from history.segment_history group by snapshot_date order by 1"
    ).fetchall()


def missing_snapshot_dates(snapshots: Sequence[date]) -> list[date]:
    """Quarter ends between the first and the last snapshot that history does not hold."""
    if not snapshots:
        return []
    present = set(snapshots)
    first, last = Quarter.containing(min(snapshots)), Quarter.containing(max(snapshots))
    missing, quarter = [], first
    while quarter < last:
        quarter = quarter.next
        if quarter.as_of not in present:
            missing.append(quarter.as_of)
    return missing


def large_drops(counts: Sequence[tuple[date, int]], max_drop: float = MAX_CUSTOMER_DROP) -> list[str]:
    """One message per snapshot whose customers fell by more than `max_drop` from the one before."""
    messages = []
    for (before, before_count), (after, after_count) in zip(counts, counts[1:], strict=False):
        if before_count and (before_count - after_count) / before_count > max_drop:
            messages.append(
                f"{after}: {after_count:,} customers, {before_count - after_count:,} fewer than {before} "
                f"({(before_count - after_count) / before_count:.1%} > {max_drop:.0%})"
            )
    return messages
