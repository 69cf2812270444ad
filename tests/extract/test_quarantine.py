"""Every dirty-row kind of the fixture ends where the contract says, in every file format."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.helpers import FIXTURES, convert_sources, materialize_extract

# The fate of each fixture row, stated from the contract (see tests/fixtures/dirty_sources/).
EXPECTED_QUARANTINE = {
    "crm_customers": {
        "C003": "registered_at: unparseable 'not a date'",
        None: "customer_id: missing",
        "C004": "updated_at: in the future '2099-01-01'",
    },
    "orders": {
        "O2": "amount: out of range '-5.00'",
        "O3": "status: unknown value 'pending_xx'",
        "O4": "customer_id: unknown customer 'C999' (not in crm_customers)",
        "O5": "customer_id: unknown customer 'C003' (not in crm_customers)",
        "O6": "order_ts: in the future '2099-03-05'",
        "O7": "order_ts: unparseable '2024-13-45'",
    },
    "tickets": {
        "T2": "customer_id: unknown customer 'C999' (not in crm_customers)",
        "T4": "created_at: missing",
    },
    # the optional source: keyed by campaign | customer | sent_at (a send has no id of its own)
    "campaigns": {
        "spring|C999|2024-02-01T09:00:00": "customer_id: unknown customer 'C999' (not in crm_customers)",
        "C002|2024-02-01T09:00:00": "campaign_id: missing",
        "spring|C005|not a date": "sent_at: unparseable 'not a date'",
        "vip|C002|2099-01-01": "sent_at: in the future '2099-01-01'",
    },
}
EXPECTED_KEPT = {
    "crm_customers": {"C001", "C002", "C005"},
    "orders": {"O1", "O8", "O9"},
    "tickets": {"T1", "T3"},
    "campaigns": {"spring|C001", "spring|C002", "vip|C001"},
}
EXPECTED_SUPERSEDED = {"crm_customers": 1, "orders": 1, "tickets": 1, "campaigns": 1}
TABLES = {
    "crm_customers": ("crm.customers", "customer_id"),
    "orders": ("shop.orders", "order_id"),
    "tickets": ("helpdesk.tickets", "ticket_id"),
    "campaigns": ("marketing.campaigns", "campaign_id || '|' || customer_id"),
}


def _rows_in_fixture(source: str) -> int:
    return duckdb.execute(
        f"select count(*) from read_csv('{FIXTURES / 'dirty_sources' / source}.csv')"
    ).fetchone()[0]


@pytest.fixture(scope="module", params=["csv", "parquet", "jsonl"])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    fmt = request.param
    root = tmp_path_factory.mktemp(f"dirty_{fmt}")
    sources = convert_sources(FIXTURES / "dirty_sources", root / "sources", fmt)
    result = materialize_extract(root / "data", sources)
    assert result.success
    return root / "data" / "warehouse.duckdb"


@pytest.mark.parametrize("source", list(EXPECTED_QUARANTINE))
def test_each_dirty_kind_is_quarantined_with_its_reason(loaded: Path, source: str) -> None:
    with duckdb.connect(str(loaded), read_only=True) as conn:
        rows = conn.execute(
            "select record_key, reason, raw_record from quarantine where source = ?", [source]
        ).fetchall()
    assert {key: reason for key, reason, _ in rows} == EXPECTED_QUARANTINE[source]
    # The raw record is kept verbatim, so the row can be fixed at the source.
    assert all(raw.startswith("{") for _, _, raw in rows)


@pytest.mark.parametrize("source", list(EXPECTED_QUARANTINE))
def test_row_accounting_holds_exactly(loaded: Path, source: str) -> None:
    table, key = TABLES[source]
    with duckdb.connect(str(loaded), read_only=True) as conn:
        audit = conn.execute(
            "select rows_read, rows_kept, rows_quarantined, rows_superseded from load_audit where source = ?",
            [source],
        ).fetchall()
        kept = {r[0] for r in conn.execute(f"select {key} from {table} where _is_latest").fetchall()}
    assert audit == [
        (
            _rows_in_fixture(source),
            len(EXPECTED_KEPT[source]),
            len(EXPECTED_QUARANTINE[source]),
            EXPECTED_SUPERSEDED[source],
        )
    ]
    assert kept == EXPECTED_KEPT[source]


def test_latest_version_wins_and_bad_optional_fields_are_nulled_not_dropped(loaded: Path) -> None:
    with duckdb.connect(str(loaded), read_only=True) as conn:
        city, sessions = conn.execute(
            "select city, app_sessions_30d from crm.customers where customer_id = 'C001' and _is_latest"
        ).fetchone()
        c002 = conn.execute(
            "select customer_type, city_tier, birth_date, _invalid_fields from crm.customers "
            "where customer_id = 'C002'"
        ).fetchone()
        o1 = conn.execute("select status from shop.orders where order_id = 'O1' and _is_latest").fetchone()
        o9 = conn.execute(
            "select channel, discount_amount, _invalid_fields from shop.orders where order_id = 'O9'"
        ).fetchone()
        extra = conn.execute("select coupon_code from shop.orders where order_id = 'O8'").fetchone()
    assert (city, sessions) == ("北京", 15)  # the version updated in 2024 wins
    assert c002 == ("individual", None, None, ["birth_date", "city_tier"])
    assert o1 == ("refunded",)
    assert o9 == (None, None, ["channel", "discount_amount"])
    assert extra == ("SPRING",)  # extra source columns are kept in the raw layer


def test_an_optional_source_not_delivered_is_an_empty_table_not_an_error(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    for source in ("crm_customers", "orders", "tickets"):
        (sources / f"{source}.csv").write_text((FIXTURES / "dirty_sources" / f"{source}.csv").read_text())
    result = materialize_extract(tmp_path / "data", sources)
    assert result.success
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as conn:
        assert conn.execute("select count(*) from marketing.campaigns").fetchone() == (0,)
        assert conn.execute(
            "select rows_read, rows_kept from load_audit where source = 'campaigns'"
        ).fetchall() == [(0, 0)]
