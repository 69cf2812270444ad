"""What the published history *means*, checked through the real path (the `segments` console script
as a subprocess -> Dagster -> dbt -> DuckDB -> `published/segments.duckdb`).

The sources are small hand-made CSV files written by the test, shaped like a current-state CRM
export: one row per customer, every `updated_at` after the last quarter run, `registered_at`
spread over 2018..2020. Every expectation is computed here, independently of the project's SQL,
with plain pandas over the rows the test wrote (CONTRACT.md sections 4 and 5):

- a snapshot D (a quarter's last day) holds exactly the customers registered on or before D;
- W = the 365 days ending on D; frequency = distinct completed orders in W, monetary = their
  summed real amounts, recency_days = D - date of the last completed order on or before D;
- `newly_registered` migrations count exactly the customers registered between two snapshots;
- empty sources (header-only tickets, header-only orders) publish instead of blocking;

One backfill of four quarters (2019Q3..2020Q2) is shared by most tests; one more single-quarter
run covers header-only orders.
"""

from __future__ import annotations

import csv
import hashlib
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from statistics import NormalDist

import duckdb
import pandas as pd
import pytest

BIN = Path(sys.executable).parent
SEED = 20190701

# The four snapshot dates of the backfill (quarter ends), written out rather than derived from the
# project's quarter helpers so that the expectations share no code with the pipeline.
FIRST, LAST = "2019Q3", "2020Q2"
SNAPSHOTS = [date(2019, 9, 30), date(2019, 12, 31), date(2020, 3, 31), date(2020, 6, 30)]
WINDOW_DAYS = 365
MONEY_TOLERANCE = 0.005
EXTREME_AMOUNT = Decimal("9999999.00")

# Every CRM version is updated after the last snapshot: a current-state export.
CRM_UPDATED_AT = "2020-11-15T09:00:00Z"
# Orders run on past the last snapshot (they must not count for it), but stop before the export.
LAST_ORDER_DAY = datetime(2020, 11, 10, tzinfo=UTC)

CRM_COLUMNS = [
    "customer_id", "customer_type", "name", "email", "phone", "gender", "birth_date", "city",
    "city_tier", "occupation", "income_band", "industry", "employee_count", "registered_capital",
    "founded_date", "registered_at", "member_level", "app_sessions_30d", "ad_impressions_90d",
    "ad_clicks_90d", "updated_at",
]  # fmt: skip
ORDER_COLUMNS = [
    "order_id", "customer_id", "order_ts", "amount", "status", "category", "channel",
    "payment_method", "discount_amount", "updated_at",
]  # fmt: skip
TICKET_COLUMNS = [
    "ticket_id", "customer_id", "created_at", "ticket_type", "channel", "satisfaction_score", "resolved_at",
]  # fmt: skip


# --------------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Sources:
    customers: list[dict[str, str]]
    orders: list[dict[str, str]]
    tickets: list[dict[str, str]]


def customer(customer_id: str, registered_at: str, rng: random.Random) -> dict[str, str]:
    """One CRM row: the current version, updated after every snapshot."""
    enterprise = rng.random() < 0.2
    return {
        "customer_id": customer_id,
        "customer_type": "enterprise" if enterprise else "individual",
        "name": f"Test Customer {customer_id}",
        "email": f"{customer_id.lower()}@example.com",
        "phone": f"1380000{rng.randint(1000, 9999)}",
        "gender": rng.choice(["male", "female"]),
        "birth_date": f"{rng.randint(1960, 2000)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        "city": rng.choice(["上海", "北京", "成都", "杭州"]),
        "city_tier": str(rng.randint(1, 4)),
        "occupation": "" if enterprise else rng.choice(["engineer", "teacher", "designer"]),
        "income_band": "" if enterprise else rng.choice(["low", "mid", "high"]),
        "industry": rng.choice(["retail", "software"]) if enterprise else "",
        "employee_count": str(rng.randint(5, 500)) if enterprise else "",
        "registered_capital": f"{rng.randint(1, 100) * 10000}.00" if enterprise else "",
        "founded_date": f"{rng.randint(1990, 2015)}-05-01" if enterprise else "",
        "registered_at": registered_at,
        "member_level": rng.choice(["bronze", "silver", "gold"]),
        "app_sessions_30d": str(rng.randint(0, 30)),
        "ad_impressions_90d": str(rng.randint(0, 300)),
        "ad_clicks_90d": str(rng.randint(0, 10)),
        "updated_at": CRM_UPDATED_AT,
    }


def order(
    order_id: str,
    customer_id: str,
    order_ts: str,
    amount: str,
    status: str = "completed",
    stamped: bool = True,
) -> dict[str, str]:
    return {
        "order_id": order_id,
        "customer_id": customer_id,
        "order_ts": order_ts,
        "amount": amount,
        "status": status,
        "category": "apparel",
        "channel": "app",
        "payment_method": "alipay",
        "discount_amount": "0",
        # Orders are never revised in these sources: updated_at is the order time, or empty.
        "updated_at": order_ts if stamped else "",
    }


def build_sources(seed: int = SEED) -> Sources:
    rng = random.Random(seed)
    customers: list[dict[str, str]] = []
    orders: list[dict[str, str]] = []

    # Ordinary customers: registered 2018-01-01 .. 2020-06-15, 0..8 orders each after registration.
    start, end = datetime(2018, 1, 1, tzinfo=UTC), datetime(2020, 6, 15, tzinfo=UTC)
    for n in range(1, 46):
        registered = start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds())))
        cid = f"C{n:03d}"
        customers.append(customer(cid, iso(registered), rng))
        for k in range(rng.randint(0, 8)):
            span = int((LAST_ORDER_DAY - registered).total_seconds())
            ts = registered + timedelta(seconds=rng.randint(60, span))
            status = rng.choices(["completed", "refunded", "cancelled"], weights=[8, 1, 1])[0]
            amount = f"{rng.uniform(10, 500):.2f}"
            orders.append(order(f"O{n:03d}-{k}", cid, iso(ts), amount, status, stamped=rng.random() < 0.7))

    def edge(cid: str, registered_at: str) -> None:
        customers.append(customer(cid, registered_at, rng))

    # Registered in the very last second of 2019-09-30: belongs to the 2019Q3 snapshot (end of day D).
    edge("E_REG_END_OF_DAY", "2019-09-30T23:59:59Z")
    orders.append(order("OE-END-1", "E_REG_END_OF_DAY", "2019-10-05T10:00:00Z", "120.00"))
    # Registered in the first second of 2019-10-01: first appears in 2019Q4, as newly_registered.
    edge("E_REG_NEXT_DAY", "2019-10-01T00:00:00Z")
    # Registered after the last snapshot (but before the export): in no snapshot at all.
    edge("E_REG_AFTER_LAST", "2020-08-20T08:00:00Z")
    orders.append(order("OE-AFTER-1", "E_REG_AFTER_LAST", "2020-09-01T10:00:00Z", "75.00"))
    # Never ordered: present in every snapshot with frequency 0, monetary 0, recency null.
    edge("E_NO_ORDERS", "2018-03-01T10:00:00Z")
    # Only refunded / cancelled orders: these never count, so the same as no orders at all.
    edge("E_NOT_COMPLETED", "2018-04-01T10:00:00Z")
    orders.append(order("OE-NC-1", "E_NOT_COMPLETED", "2019-08-01T10:00:00Z", "300.00", "refunded"))
    orders.append(order("OE-NC-2", "E_NOT_COMPLETED", "2020-02-01T10:00:00Z", "40.00", "cancelled"))
    # An extreme amount among normal ones: monetary must be the plain sum of real amounts.
    edge("E_EXTREME", "2018-05-01T10:00:00Z")
    orders.append(order("OE-EX-1", "E_EXTREME", "2019-07-10T10:00:00Z", "49.90"))
    orders.append(order("OE-EX-2", "E_EXTREME", "2019-08-15T10:00:00Z", f"{EXTREME_AMOUNT}"))
    orders.append(order("OE-EX-3", "E_EXTREME", "2020-01-20T10:00:00Z", "210.00", stamped=False))
    # The window's lower edge: for D = 2019-12-31, 2018-12-31 is 365 days back (outside W) and
    # 2019-01-01 is 364 days back (inside W); for D = 2019-09-30 both are inside.
    edge("E_WINDOW_EDGE", "2018-06-01T10:00:00Z")
    orders.append(order("OE-WE-1", "E_WINDOW_EDGE", "2018-12-31T12:00:00Z", "100.00"))
    orders.append(order("OE-WE-2", "E_WINDOW_EDGE", "2019-01-01T00:00:00Z", "200.00"))
    # The window's upper edge: the last second of D counts (recency 0), the next second does not.
    edge("E_DAY_EDGE", "2019-02-01T10:00:00Z")
    orders.append(order("OE-DE-1", "E_DAY_EDGE", "2020-03-31T23:59:59Z", "60.00"))
    orders.append(order("OE-DE-2", "E_DAY_EDGE", "2020-04-01T00:00:00Z", "70.00"))
    # Only an order long before every window: recency is known (not limited to W), frequency 0.
    edge("E_OLD_ONLY", "2018-01-10T10:00:00Z")
    orders.append(order("OE-OLD-1", "E_OLD_ONLY", "2018-02-01T10:00:00Z", "90.00"))
    # The same order exported twice (identical lines): one distinct order, counted once.
    edge("E_DUPLICATE", "2019-03-01T10:00:00Z")
    orders.append(order("OE-DU-1", "E_DUPLICATE", "2019-11-11T11:11:11Z", "111.11"))
    orders.append(order("OE-DU-1", "E_DUPLICATE", "2019-11-11T11:11:11Z", "111.11"))
    orders.append(order("OE-DU-2", "E_DUPLICATE", "2020-05-05T05:05:05Z", "55.55"))
    # Registered in 2020Q2 and ordering only after it: nothing counts for the 2020Q2 snapshot.
    edge("E_FUTURE_ORDERS", "2020-05-01T10:00:00Z")
    orders.append(order("OE-FU-1", "E_FUTURE_ORDERS", "2020-07-01T00:00:00Z", "500.00"))
    orders.append(order("OE-FU-2", "E_FUTURE_ORDERS", "2020-10-01T10:00:00Z", "20.00"))

    return Sources(customers=customers, orders=orders, tickets=[])


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    """A CSV with a header line; no rows at all gives a header-only file."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_sources(directory: Path, sources: Sources) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    write_csv(directory / "crm_customers.csv", CRM_COLUMNS, sources.customers)
    write_csv(directory / "orders.csv", ORDER_COLUMNS, sources.orders)
    write_csv(directory / "tickets.csv", TICKET_COLUMNS, sources.tickets)
    return directory


# --------------------------------------------------------------------------------------------------
# Independent expectations (pandas over the rows written above)
# --------------------------------------------------------------------------------------------------


def end_of_day(day: date) -> pd.Timestamp:
    """The first instant after `day` in UTC: `x <= end of day D` is `x < end_of_day(D)`."""
    return pd.Timestamp(day + timedelta(days=1), tz="UTC")


def customers_frame(sources: Sources) -> pd.DataFrame:
    frame = pd.DataFrame(sources.customers, columns=CRM_COLUMNS)
    frame["registered_at"] = pd.to_datetime(frame["registered_at"], utc=True)
    return frame


def orders_frame(sources: Sources) -> pd.DataFrame:
    frame = pd.DataFrame(sources.orders, columns=ORDER_COLUMNS)
    frame["order_ts"] = pd.to_datetime(frame["order_ts"], utc=True)
    frame["amount"] = frame["amount"].map(Decimal)
    frame["order_date"] = frame["order_ts"].dt.date
    return frame


def registered_by(sources: Sources, day: date) -> set[str]:
    frame = customers_frame(sources)
    return set(frame.loc[frame["registered_at"] < end_of_day(day), "customer_id"])


def registered_between(sources: Sources, after: date, until: date) -> int:
    frame = customers_frame(sources)
    moment = frame["registered_at"]
    return int(((moment >= end_of_day(after)) & (moment < end_of_day(until))).sum())


def expected_rfm(sources: Sources, day: date) -> dict[str, tuple[int | None, int, Decimal]]:
    """customer_id -> (recency_days, frequency, monetary) as of `day` (CONTRACT section 4)."""
    orders = orders_frame(sources)
    done = orders[(orders["status"] == "completed") & (orders["order_date"] <= day)]
    done = done.drop_duplicates("order_id")  # distinct orders
    window = done[done["order_date"] > day - timedelta(days=WINDOW_DAYS)]
    expected = {}
    for cid in registered_by(sources, day):
        mine = done[done["customer_id"] == cid]
        in_window = window[window["customer_id"] == cid]
        recency = (day - max(mine["order_date"])).days if len(mine) else None
        expected[cid] = (recency, len(in_window), sum(in_window["amount"], Decimal("0")))
    return expected


# --------------------------------------------------------------------------------------------------
# Running the CLI and reading the published file
# --------------------------------------------------------------------------------------------------


def cli_env(root: Path, source_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEGMENTS_", "DAGSTER_"))}
    return env | {
        "SEGMENTS_DATA_DIR": str(root / "data"),
        "SEGMENTS_SOURCE_DIR": str(source_dir),
        "SEGMENTS_PII_SALT": "test-salt",
    }


def segments(args: list[str], env: dict[str, str], timeout: int = 1800) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "segments"), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def explain(done: subprocess.CompletedProcess) -> str:
    return (
        f"exit {done.returncode}\n--- stdout ---\n{done.stdout[-5000:]}\n"
        f"--- stderr ---\n{done.stderr[-5000:]}"
    )


@dataclass(frozen=True)
class Published:
    sources: Sources
    data_dir: Path
    done: subprocess.CompletedProcess

    @property
    def database(self) -> Path:
        return self.data_dir / "published" / "segments.duckdb"

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        assert self.database.is_file(), f"nothing published at {self.database}\n{explain(self.done)}"
        with duckdb.connect(str(self.database), read_only=True) as conn:
            return conn.execute(sql, params or []).fetchall()

    def columns(self, table: str) -> list[str]:
        return [row[0] for row in self.query(f"describe {table}")]

    def rfm(self, day: date) -> dict[str, tuple[int | None, int, Decimal]]:
        rows = self.query(
            "select customer_id, recency_days, frequency, monetary from segment_history "
            "where snapshot_date = ?",
            [day],
        )
        return {cid: (recency, frequency, monetary) for cid, recency, frequency, monetary in rows}


def rfm_mismatches(
    observed: dict[str, tuple], expected: dict[str, tuple[int | None, int, Decimal]]
) -> list[str]:
    """One line per customer whose published R, F or M differs from the independent value."""
    wrong = []
    for cid in sorted(expected.keys() & observed.keys()):
        (r_obs, f_obs, m_obs), (r_exp, f_exp, m_exp) = observed[cid], expected[cid]
        money_ok = m_obs is not None and abs(float(m_obs) - float(m_exp)) <= MONEY_TOLERANCE
        if r_obs != r_exp or f_obs != f_exp or not money_ok:
            wrong.append(
                f"{cid}: observed recency={r_obs} frequency={f_obs} monetary={m_obs}, "
                f"expected recency={r_exp} frequency={f_exp} monetary={m_exp}"
            )
    return wrong


# --------------------------------------------------------------------------------------------------
# Scenario 1: a backfill of four quarters, header-only tickets
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def backfill(tmp_path_factory: pytest.TempPathFactory) -> Published:
    root = tmp_path_factory.mktemp("history_semantics")
    sources = build_sources()
    # Header-only tickets.csv: a business without a helpdesk export (CONTRACT section 4: may be empty).
    source_dir = write_sources(root / "sources", sources)
    done = segments(["backfill", "--from", FIRST, "--to", LAST], cli_env(root, source_dir))
    return Published(sources, root / "data", done)


def test_the_fixture_sources_are_what_the_scenarios_need() -> None:
    # Guards the test data itself, so that a later edit cannot silently remove an edge case.
    sources = build_sources()
    assert len({c["customer_id"] for c in sources.customers}) == len(sources.customers)
    assert all(c["updated_at"] == CRM_UPDATED_AT for c in sources.customers)
    registered = {c["customer_id"]: utc(c["registered_at"]) for c in sources.customers}
    assert all(utc(o["order_ts"]) >= registered[o["customer_id"]] for o in sources.orders)
    assert any(Decimal(o["amount"]) == EXTREME_AMOUNT for o in sources.orders)
    counts = [len(registered_by(sources, day)) for day in SNAPSHOTS]
    assert counts == sorted(counts) and counts[0] >= 10 and counts[-1] < len(sources.customers)
    assert all(registered_between(sources, a, b) > 0 for a, b in zip(SNAPSHOTS, SNAPSHOTS[1:], strict=False))


def test_backfill_exits_0_and_each_snapshot_holds_exactly_the_customers_registered_by_then(
    backfill: Published,
) -> None:
    assert backfill.done.returncode == 0, explain(backfill.done)
    published = [
        row[0] for row in backfill.query("select distinct snapshot_date from segment_history order by 1")
    ]
    assert published == SNAPSHOTS
    for day in SNAPSHOTS:
        rows = backfill.query("select customer_id from segment_history where snapshot_date = ?", [day])
        observed, expected = {row[0] for row in rows}, registered_by(backfill.sources, day)
        assert len(rows) == len(observed), f"{day}: duplicate customers"
        assert observed == expected, (
            f"{day}: missing {sorted(expected - observed)}, unexpected {sorted(observed - expected)}"
        )
    # The latest table is the last snapshot: registered after it (E_REG_AFTER_LAST) means absent.
    latest = {row[0] for row in backfill.query("select customer_id from customer_segments")}
    assert latest == registered_by(backfill.sources, SNAPSHOTS[-1])


@pytest.mark.parametrize("day", SNAPSHOTS, ids=str)
def test_recency_frequency_and_monetary_equal_an_independent_computation(
    backfill: Published, day: date
) -> None:
    expected = expected_rfm(backfill.sources, day)
    observed = backfill.rfm(day)
    assert observed.keys() == expected.keys(), f"{day}: customers differ (see the membership test)"
    assert rfm_mismatches(observed, expected) == []


def test_monetary_with_an_extreme_order_present_equals_the_plain_sum(backfill: Published) -> None:
    # 2019-09-30: E_EXTREME's window holds 49.90 and 9,999,999.00; neither capped nor dropped.
    day = SNAPSHOTS[0]
    observed = backfill.rfm(day)["E_EXTREME"]
    assert observed[1] == 2
    assert abs(float(observed[2]) - float(EXTREME_AMOUNT + Decimal("49.90"))) <= MONEY_TOLERANCE, observed


def test_newly_registered_migrations_count_the_customers_registered_in_between(backfill: Published) -> None:
    rows = backfill.query(
        "select from_snapshot, to_snapshot, "
        "coalesce(sum(customers) filter (where from_segment = 'newly_registered'), 0), "
        "coalesce(sum(customers) filter (where to_segment = 'removed'), 0) "
        "from segment_migration group by all order by 1, 2"
    )
    pairs = list(zip(SNAPSHOTS, SNAPSHOTS[1:], strict=False))
    assert [(before, after) for before, after, _, _ in rows] == pairs
    for before, after, newly, removed in rows:
        expected = registered_between(backfill.sources, before, after)
        assert newly == expected, f"{before} -> {after}: newly_registered {newly}, expected {expected}"
        # Nobody was deleted from the CRM, so nobody can have left the population.
        assert removed == 0, f"{before} -> {after}: {removed} customers 'removed'"


def quarter_start(day: date) -> date:
    return date(day.year, day.month - 2, 1)


def expected_quarter_orders(sources: Sources, day: date) -> dict[str, tuple[int, Decimal]]:
    """customer_id -> (completed orders, revenue) in the calendar quarter ending on `day`."""
    orders = orders_frame(sources).drop_duplicates("order_id")
    done = orders[
        (orders["status"] == "completed")
        & (orders["order_date"] >= quarter_start(day))
        & (orders["order_date"] <= day)
    ]
    return {
        cid: (
            int((done["customer_id"] == cid).sum()),
            sum(done.loc[done["customer_id"] == cid, "amount"], Decimal(0)),
        )
        for cid in registered_by(sources, day)
    }


def holdout(customer_id: str, day: date, share: float = 0.05) -> bool:
    """The shipped config's holdout (5 % of every segment) under the test's salt, via hashlib."""
    digest = hashlib.sha256(f"test-salt|{customer_id}|{day.isoformat()}".encode()).hexdigest()
    return int(digest[:13], 16) / 2**52 < share


@pytest.mark.parametrize("day", SNAPSHOTS, ids=str)
def test_quarter_orders_and_holdouts_equal_an_independent_computation(backfill: Published, day: date) -> None:
    rows = backfill.query(
        "select customer_id, quarter_orders, quarter_revenue, in_holdout from segment_history "
        "where snapshot_date = ?",
        [day],
    )
    expected = expected_quarter_orders(backfill.sources, day)
    assert {cid: (n, float(revenue)) for cid, n, revenue, _ in rows} == {
        cid: (n, float(revenue)) for cid, (n, revenue) in expected.items()
    }
    assert {cid: held for cid, _, _, held in rows} == {cid: holdout(cid, day) for cid in expected}


def test_segment_outcomes_equal_an_independent_computation(backfill: Published) -> None:
    z = NormalDist().inv_cdf(0.975)
    for day, after in zip(SNAPSHOTS, SNAPSHOTS[1:], strict=False):
        members = backfill.query(
            "select customer_id, segment from segment_history where snapshot_date = ?", [day]
        )
        bought = expected_quarter_orders(backfill.sources, after)
        frame = pd.DataFrame(members, columns=["customer_id", "segment"])
        frame["group"] = ["holdout" if holdout(c, day) else "treated" for c in frame["customer_id"]]
        frame["repurchased"] = [bought[c][0] > 0 for c in frame["customer_id"]]
        frame["revenue"] = [float(bought[c][1]) for c in frame["customer_id"]]
        expected = frame.groupby(["segment", "group"]).agg(
            customers=("repurchased", "size"), rate=("repurchased", "mean"), revenue=("revenue", "mean")
        )
        rows = backfill.query(
            'select segment, "group", outcome_snapshot, customers, repurchase_rate, revenue_per_customer, '
            "lift, lift_ci_low, lift_ci_high, share_moved_better + share_same + share_moved_worse "
            "+ share_churned from segment_outcomes where snapshot_date = ? and customers > 0",
            [day],
        )
        got = {(segment, group): rest for segment, group, *rest in rows}
        assert got.keys() == set(expected.index), day
        for (segment, group), (outcome, n, rate, revenue, lift, low, high, shares) in got.items():
            row = expected.loc[(segment, group)]
            assert (outcome, n) == (after, row["customers"])
            assert rate == pytest.approx(row["rate"]) and revenue == pytest.approx(row["revenue"])
            assert shares == pytest.approx(1.0)
            if (segment, "holdout") in expected.index and (segment, "treated") in expected.index:
                p1, n1 = expected.loc[(segment, "treated"), ["rate", "customers"]]
                p0, n0 = expected.loc[(segment, "holdout"), ["rate", "customers"]]
                half = z * (p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0) ** 0.5
                assert (lift, low, high) == pytest.approx((p1 - p0, p1 - p0 - half, p1 - p0 + half))
            else:
                assert lift is None and low is None and high is None
    # The last snapshot's next quarter is not in history yet: its outcomes are unknown.
    last = backfill.query(
        "select count(*), count(outcome_snapshot), count(repurchase_rate) from segment_outcomes "
        "where snapshot_date = ?",
        [SNAPSHOTS[-1]],
    )
    assert last[0][0] > 0 and last[0][1:] == (0, 0)


def test_header_only_tickets_publish_with_no_complaints(backfill: Published) -> None:
    assert backfill.done.returncode == 0, explain(backfill.done)
    columns = backfill.columns("segment_history")
    assert "complaint_risk" in columns
    risks = backfill.query("select complaint_risk, count(*) from segment_history group by 1")
    assert [risk for risk, _ in risks] == ["low"], risks
    # Any count of complaints or tickets the history carries is 0 for everybody.
    counted = [c for c in columns if ("complaint" in c or "ticket" in c) and c != "complaint_risk"]
    for column in counted:
        nonzero = backfill.query(f'select count(*) from segment_history where coalesce("{column}", 0) <> 0')
        assert nonzero == [(0,)], f"{column} is not 0 for {nonzero[0][0]} rows"


# --------------------------------------------------------------------------------------------------
# Scenario 2: one quarter with a header-only orders.csv
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def without_orders(tmp_path_factory: pytest.TempPathFactory) -> Published:
    root = tmp_path_factory.mktemp("history_semantics_no_orders")
    base = build_sources()
    # A shop that has not sold anything yet: orders.csv holds only its header. Tickets are normal
    # here, so this run differs from the backfill in which source is empty.
    tickets = [
        {
            "ticket_id": "T1", "customer_id": "E_NO_ORDERS", "created_at": "2020-02-03T09:00:00Z",
            "ticket_type": "inquiry", "channel": "chat", "satisfaction_score": "5",
            "resolved_at": "2020-02-03T10:00:00Z",
        },
        {
            "ticket_id": "T2", "customer_id": "E_EXTREME", "created_at": "2020-05-03T09:00:00Z",
            "ticket_type": "complaint", "channel": "phone", "satisfaction_score": "2", "resolved_at": "",
        },
    ]  # fmt: skip
    sources = Sources(customers=base.customers, orders=[], tickets=tickets)
    source_dir = write_sources(root / "sources", sources)
    done = segments(["run", "--quarter", LAST], cli_env(root, source_dir))
    return Published(sources, root / "data", done)


def test_header_only_orders_publish_every_customer_with_no_spend(without_orders: Published) -> None:
    assert without_orders.done.returncode == 0, explain(without_orders.done)
    day = SNAPSHOTS[-1]
    observed = without_orders.rfm(day)
    assert observed.keys() == registered_by(without_orders.sources, day)
    wrong = {cid: rfm for cid, rfm in observed.items() if rfm[0] is not None or rfm[1] != 0 or rfm[2] != 0}
    assert wrong == {}
