"""Markdown for the publish asset's metadata: row counts, segment shares, the migration matrix and the
measured lift of each segment's strategy."""

from collections.abc import Sequence
from datetime import date

from pipelines.publish.manifest import Entry


def row_count_table(entries: Sequence[Entry], snapshot: date) -> str:
    """Rows per published table: all snapshots, and the snapshot of this run."""
    lines = ["| table | rows (all snapshots) | rows (this snapshot) |", "|---|---:|---:|"]
    for table in dict.fromkeys(entry.table for entry in entries):
        rows = [entry for entry in entries if entry.table == table]
        this = sum(entry.rows for entry in rows if entry.snapshot_date == snapshot)
        lines.append(f"| {table} | {sum(entry.rows for entry in rows):,} | {this:,} |")
    return "\n".join(lines)


def share_table(rows: Sequence[tuple]) -> str:
    """Segments of one snapshot: (segment, label, customers, customer share, revenue share, R, F, M)."""
    lines = [
        "| segment | label | customers | customer share | revenue share | mean R | mean F | mean M |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for segment, label, customers, share, revenue_share, r, f, m in rows:
        lines.append(
            f"| {segment} | {label} | {customers:,} | {_percent(share)} | {_percent(revenue_share)} "
            f"| {_number(r)} | {_number(f)} | {_number(m)} |"
        )
    return "\n".join(lines)


def migration_matrix(rows: Sequence[tuple[str, str, int]], from_snapshot: date | None) -> str:
    """Customers by origin (rows) and destination (columns) segment between two snapshots."""
    if from_snapshot is None or not rows:
        return "First snapshot in history: no earlier snapshot to migrate from."
    origins = sorted({origin for origin, _, _ in rows})
    destinations = sorted({destination for _, destination, _ in rows})
    counts = {(origin, destination): customers for origin, destination, customers in rows}
    lines = [
        f"From {from_snapshot} (rows) to this snapshot (columns):",
        "",
        "| from \\ to | " + " | ".join(destinations) + " | total |",
        "|---|" + "---:|" * (len(destinations) + 1),
    ]
    for origin in origins:
        cells = [counts.get((origin, destination), 0) for destination in destinations]
        lines.append(f"| {origin} | " + " | ".join(f"{c:,}" for c in cells) + f" | {sum(cells):,} |")
    totals = [sum(counts.get((o, d), 0) for o in origins) for d in destinations]
    lines.append("| total | " + " | ".join(f"{t:,}" for t in totals) + f" | {sum(totals):,} |")
    return "\n".join(lines)


def lift_table(rows: Sequence[tuple]) -> str:
    """Treated vs holdout repurchase of the snapshot before, measured in the quarter just run:
    (segment, treated, holdout, treated rate, holdout rate, lift, interval low, high, snapshot)."""
    if not rows:
        return "No outcomes measured by this quarter (no earlier quarter-end snapshot in history)."
    lines = [
        f"Snapshot {rows[0][8]}, measured in the quarter after it "
        "(lift = treated minus holdout repurchase rate):",
        "",
        "| segment | treated | holdout | treated repurchase | holdout repurchase | lift | 95 % interval |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for segment, treated, holdout, treated_rate, holdout_rate, lift, low, high, _ in rows:
        interval = f"{_points(low)} .. {_points(high)}" if lift is not None else ""
        lines.append(
            f"| {segment} | {treated or 0:,} | {holdout or 0:,} | {_percent(treated_rate)} "
            f"| {_percent(holdout_rate)} | {_points(lift)} | {interval} |"
        )
    return "\n".join(lines)


def _points(value: float | None) -> str:
    return "" if value is None else f"{value * 100:+.1f} pp"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"
