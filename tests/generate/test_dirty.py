"""Every dirty kind is in the files, as often as the summary says, counted from the files alone.

The counts below classify rows by what is wrong with them (as extraction would), without using the
generator's own bookkeeping; the summary must agree kind by kind.
"""

from __future__ import annotations

import duckdb
import pytest

from pipelines.extract.sources import CRM_CUSTOMERS, ORDERS
from pipelines.generate import GenerationSummary
from tests.generate.conftest import HIGH_RATES, Generate, open_sources

EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
MOBILE = r"1[3-9][0-9]{9}"
UNKNOWN_CUSTOMER = "customer_id not in (select customer_id from crm where customer_id is not null)"
INDIVIDUAL_FIELDS = (
    "gender",
    "birth_date",
    "city",
    "city_tier",
    "occupation",
    "income_band",
    "email",
    "phone",
)
ENTERPRISE_FIELDS = (
    "industry",
    "employee_count",
    "registered_capital",
    "founded_date",
    "city",
    "city_tier",
    "email",
    "phone",
)


def _any_null(fields: tuple[str, ...]) -> str:
    return " or ".join(f"{f} is null" for f in fields)


def _statuses() -> str:
    status = next(c for c in ORDERS.columns if c.name == "status")
    return ", ".join(f"'{v}'" for v in status.accepted)


def _future(column: str) -> str:
    return f"ts({column}) > end_ts()"


def _unparseable(column: str) -> str:
    return f"({column} is not null and ts({column}) is null)"


def count_crm(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    valid = "customer_id is not null and ts(registered_at) <= end_ts() and ts(updated_at) <= end_ts()"
    return {
        "duplicate_version": conn.execute(
            f"select count(*) - count(distinct customer_id) from crm where {valid}"
        ).fetchone()[0],
        "malformed_email": conn.execute(
            f"select count(*) from crm where not regexp_full_match(email, '{EMAIL}')"
        ).fetchone()[0],
        "malformed_phone": conn.execute(
            f"select count(*) from crm where not regexp_full_match(phone, '{MOBILE}')"
        ).fetchone()[0],
        "missing_optional": conn.execute(
            "select count(*) from crm "
            f"where (customer_type = 'individual' and ({_any_null(INDIVIDUAL_FIELDS)})) "
            f"or (customer_type = 'enterprise' and ({_any_null(ENTERPRISE_FIELDS)}))"
        ).fetchone()[0],
        "future_timestamp": conn.execute(
            f"select count(*) from crm where {_future('registered_at')} or {_future('updated_at')}"
        ).fetchone()[0],
        "unparseable_timestamp": conn.execute(
            f"select count(*) from crm where {_unparseable('registered_at')} or {_unparseable('updated_at')}"
        ).fetchone()[0],
        "missing_required": conn.execute("select count(*) from crm where customer_id is null").fetchone()[0],
    }


def count_orders(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    def n(where: str) -> int:
        return conn.execute(f"select count(*) from orders where {where}").fetchone()[0]

    return {
        "duplicate_version": conn.execute(
            "select count(order_id) - count(distinct order_id) from orders"
        ).fetchone()[0],
        "missing_optional": n(
            "category is null or channel is null or payment_method is null or discount_amount is null"
        ),
        "negative_amount": n("amount::decimal(18, 2) < 0"),
        "unknown_status": n(f"lower(trim(status)) not in ({_statuses()})"),
        "unknown_customer": n(UNKNOWN_CUSTOMER),
        "future_timestamp": n(_future("order_ts")),
        "unparseable_timestamp": n(_unparseable("order_ts")),
        "missing_required": n("order_id is null or customer_id is null"),
    }


def count_tickets(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    def n(where: str) -> int:
        return conn.execute(f"select count(*) from tickets where {where}").fetchone()[0]

    return {
        "exact_duplicate": conn.execute(
            "select (select count(*) from tickets) - (select count(*) from (select distinct * from tickets))"
        ).fetchone()[0],
        "missing_optional": n("ticket_type is null or channel is null"),
        "unknown_customer": n(UNKNOWN_CUSTOMER),
        "future_timestamp": n(_future("created_at")),
        "unparseable_timestamp": n(_unparseable("created_at")),
        "missing_required": n("ticket_id is null or customer_id is null"),
    }


def _counted(summary: GenerationSummary) -> dict[str, dict[str, int]]:
    conn = open_sources(summary)
    return {"crm_customers": count_crm(conn), "orders": count_orders(conn), "tickets": count_tickets(conn)}


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_every_dirty_kind_is_present_as_often_as_reported(generate: Generate, fmt: str) -> None:
    summary = generate(fmt, dirty=HIGH_RATES)
    counted = _counted(summary)
    for source, kinds in counted.items():
        assert set(kinds) == set(summary.dirty[source]), source
        for kind, n in kinds.items():
            assert n > 0, f"{source}: no {kind} row"
            assert n == summary.dirty[source][kind], f"{source}.{kind}: files hold {n}"


def test_rows_needing_quarantine_are_exactly_the_reported_ones(sources: tuple) -> None:
    """Any row breaking a rule that quarantines (CONTRACT section 3) is one the summary expects."""
    summary, conn = sources
    crm_required = " or ".join(
        f"{c.name} is null"
        + (f" or ts({c.name}) is null or ts({c.name}) > end_ts()" if c.not_in_future else "")
        for c in CRM_CUSTOMERS.columns
        if c.required
    )
    orders_bad = (
        "order_id is null or customer_id is null or ts(order_ts) is null or ts(order_ts) > end_ts() "
        f"or amount::decimal(18, 2) < 0 or lower(trim(status)) not in ({_statuses()}) "
        "or customer_id not in (select customer_id from crm where customer_id is not null)"
    )
    tickets_bad = (
        "ticket_id is null or customer_id is null or ts(created_at) is null or ts(created_at) > end_ts() "
        "or customer_id not in (select customer_id from crm where customer_id is not null)"
    )
    found = {
        "crm_customers": conn.execute(f"select count(*) from crm where {crm_required}").fetchone()[0],
        "orders": conn.execute(f"select count(*) from orders where {orders_bad}").fetchone()[0],
        "tickets": conn.execute(f"select count(*) from tickets where {tickets_bad}").fetchone()[0],
    }
    assert found == summary.expected_quarantined


def test_every_row_is_counted(sources: tuple) -> None:
    summary, conn = sources
    files = {
        name: conn.execute(f"select count(*) from {view}").fetchone()[0]
        for name, view in (("crm_customers", "crm"), ("orders", "orders"), ("tickets", "tickets"))
    }
    assert files == summary.rows
