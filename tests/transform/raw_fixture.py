"""A small raw warehouse (crm.customers, shop.orders, helpdesk.tickets) as the extraction lands it.

Hand-written customers cover the edge cases (versions across a quarter end, a status change after
it, invalid contacts, a missing city tier, an outlier, an order at 23:30 on the quarter's last day);
about sixty generated ones (fixed seed) give the scores a distribution. `cut_raw_warehouse` turns it
into what a run at an as-of date would have loaded: nothing dated after it.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from pipelines.extract.sources import SOURCES, SourceSpec

META = [
    ("_source_file", "VARCHAR"),
    ("_loaded_at", "TIMESTAMPTZ"),
    ("_is_latest", "BOOLEAN"),
    ("_invalid_fields", "VARCHAR[]"),
]
LOADED_AT = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
CATEGORIES = ["electronics", "apparel", "grocery", "beauty", "home"]
CITIES = [("北京", 1), ("上海", 1), ("杭州", 2), ("成都", 2), ("洛阳", 3), ("Shenzhen", 1)]


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _customer(customer_id: str, registered: str, updated: str, **fields: Any) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "registered_at": ts(registered),
        "updated_at": ts(updated),
        "customer_type": "individual",
    } | fields


def _order(order_id: str, customer_id: str, ordered: str, amount: str, **fields: Any) -> dict[str, Any]:
    row = {
        "order_id": order_id,
        "customer_id": customer_id,
        "order_ts": ts(ordered),
        "amount": Decimal(amount),
        "status": "completed",
        "updated_at": ts(ordered),
    }
    return row | {k: ts(v) if k == "updated_at" and v else v for k, v in fields.items()}


def _ticket(
    ticket_id: str, customer_id: str, created: str, ticket_type: str, **fields: Any
) -> dict[str, Any]:
    row = {
        "ticket_id": ticket_id,
        "customer_id": customer_id,
        "created_at": ts(created),
        "ticket_type": ticket_type,
    }
    return row | {k: ts(v) if k == "resolved_at" else v for k, v in fields.items()}


def hand_written() -> tuple[list[dict], list[dict], list[dict]]:
    enterprise = {
        "customer_type": "enterprise",
        "industry": "manufacturing",
        "employee_count": 320,
        "registered_capital": Decimal("5000000.00"),
        "founded_date": date(2008, 5, 1),
    }
    customers = [
        # three versions: the city tier goes missing in the second (filled from the first, same city)
        _customer(
            "H01",
            "2024-01-05 09:00",
            "2024-01-05 09:00",
            **enterprise,
            name=" 张  三 ",
            email="Ops@Acme.COM ",
            phone="021-6123 4567",
            city="上海市",
            city_tier=1,
            app_sessions_30d=12,
            ad_impressions_90d=400,
            ad_clicks_90d=30,
        ),
        _customer(
            "H01",
            "2024-01-05 09:00",
            "2025-05-01 10:00",
            **enterprise,
            name="张三",
            email="ops@acme.com",
            phone="02161234567",
            city="上海",
            city_tier=None,
            app_sessions_30d=25,
            ad_impressions_90d=500,
            ad_clicks_90d=40,
        ),
        _customer(
            "H01",
            "2024-01-05 09:00",
            "2025-10-01 10:00",
            **enterprise,
            name="张三",
            email="ops@acme.com",
            phone="02161234567",
            city="上海",
            city_tier=None,
            member_level=" Gold ",
            app_sessions_30d=30,
            ad_impressions_90d=0,
            ad_clicks_90d=0,
        ),
        # registered after the old quarter: new in the latest one, no orders, invalid email
        _customer(
            "H02",
            "2025-11-15 08:00",
            "2025-11-15 08:00",
            email="not-an-email",
            phone="138-1234-5678",
            gender="M",
            birth_date=date(2001, 12, 31),
        ),
        # never ordered
        _customer(
            "H03", "2023-03-01 08:00", "2023-03-01 08:00", gender="female", birth_date=date(1980, 1, 1)
        ),
        # untrimmed key, in the CRM and in its orders
        _customer("H04 ", "2023-06-01 08:00", "2023-06-01 08:00", gender="男", city="杭州", city_tier=2),
        # customer_type empty: inferred from the industry
        _customer(
            "H05",
            "2023-02-01 08:00",
            "2023-02-01 08:00",
            customer_type=None,
            industry="retail",
            employee_count=45,
        ),
        # registered before the old quarter but its only version is newer: unknown on 2025-06-30
        _customer("H06", "2024-02-01 08:00", "2025-08-01 08:00", city="成都", city_tier=2),
        # city tier missing and never known: inferred from the other customers in 杭州
        _customer(
            "H07",
            "2024-04-01 08:00",
            "2024-04-01 08:00",
            city=" 杭州 ",
            city_tier=None,
            _invalid_fields=["city_tier"],
        ),
        _customer(
            "H08",
            "2022-09-01 08:00",
            "2022-09-01 08:00",
            gender="女",
            phone="+86 139 0000 1111",
            email="a..b@x.com",
            birth_date=date(1995, 6, 30),
        ),
        _customer("H09", "2024-09-01 08:00", "2024-09-01 08:00"),
        _customer("H10", "2024-09-01 08:00", "2024-09-01 08:00"),
        _customer("H11", "2023-01-01 08:00", "2023-01-01 08:00"),
    ]
    orders = [
        _order("O-H01-1", "H01", "2025-03-10 10:00", "12000.00", category="electronics", channel="web"),
        _order("O-H01-2", "H01", "2025-09-10 10:00", "15000.00", category="electronics", channel="store"),
        # an extreme amount: capped at the enterprise threshold in every spend measure
        _order("O-H01-3", "H01", "2025-11-20 10:00", "900000.00", category="home", channel="store"),
        _order(
            "O-H04-1",
            "H04 ",
            "2025-02-01 10:00",
            "300.00",
            category="apparel",
            channel="app",
            discount_amount=Decimal("30.00"),
        ),
        _order("O-H05-1", "H05", "2024-05-01 10:00", "800.00", category="grocery", channel="store"),
        _order("O-H06-1", "H06", "2025-05-01 10:00", "500.00", updated_at="2025-08-02 10:00"),
        _order("O-H07-1", "H07", "2025-06-01 10:00", "250.00", channel="mini_program"),
        _order("O-H08-1", "H08", "2025-12-30 10:00", "99.00", channel="app", payment_method=" WeChat "),
        # completed on the old quarter's end, refunded after it
        _order("O-H09-1", "H09", "2025-05-01 10:00", "700.00", updated_at="2025-05-01 10:00"),
        _order(
            "O-H09-1", "H09", "2025-05-01 10:00", "700.00", status="refunded", updated_at="2025-07-15 10:00"
        ),
        # 23:30 UTC on the last day counts; 00:10 the next day does not
        _order("O-H10-1", "H10", "2025-06-30 23:30", "120.00", updated_at=None),
        _order("O-H10-2", "H10", "2025-07-01 00:10", "130.00", updated_at=None),
        _order("O-H11-1", "H11", "2024-01-15 10:00", "60.00", status="cancelled"),
    ]
    tickets = [
        _ticket("T-H11-1", "H11", "2025-02-01 10:00", "complaint", satisfaction_score=1),
        _ticket(
            "T-H11-2",
            "H11",
            "2025-05-01 10:00",
            "complaint",
            satisfaction_score=2,
            resolved_at="2025-07-03 10:00",
        ),
        _ticket("T-H11-3", "H11", "2025-08-01 10:00", "complaint"),
        _ticket(
            "T-H01-1",
            "H01",
            "2025-04-01 10:00",
            "inquiry",
            satisfaction_score=5,
            resolved_at="2025-04-02 10:00",
        ),
    ]
    return customers, orders, tickets


def generated(seed: int = 20251231, n: int = 60) -> tuple[list[dict], list[dict], list[dict]]:
    rng = random.Random(seed)
    # the attributes added later draw from a stream of their own: the draws above stay as they were
    extra = random.Random(seed + 1)
    customers, orders, tickets = [], [], []
    start, end = datetime(2022, 6, 1, tzinfo=UTC), datetime(2025, 12, 20, tzinfo=UTC)
    for i in range(1, n + 1):
        cid = f"G{i:03d}"
        registered = start + timedelta(days=rng.randrange((end - start).days - 30), hours=rng.randrange(24))
        is_enterprise = rng.random() < 0.25
        city, tier = rng.choice(CITIES)
        base = {
            "customer_id": cid,
            "registered_at": registered,
            "updated_at": registered,
            "customer_type": "enterprise" if is_enterprise else "individual",
            "gender": None if is_enterprise else rng.choice(["male", "female", "F", None]),
            "birth_date": None
            if is_enterprise
            else date(rng.randrange(1955, 2007), rng.randrange(1, 13), 15),
            "city": city,
            "city_tier": tier if rng.random() > 0.1 else None,
            "industry": rng.choice(["retail", "finance", "it"]) if is_enterprise else None,
            "employee_count": rng.choice([12, 80, 450, 2500]) if is_enterprise else None,
            "app_sessions_30d": rng.randrange(0, 40),
            "ad_impressions_90d": rng.randrange(0, 300),
            "email": f"user{i}@example.com",
            "phone": f"139{i:08d}",
        }
        base["ad_clicks_90d"] = min(base["ad_impressions_90d"], rng.randrange(0, 15))
        base |= _profile_fields(extra, is_enterprise, registered)
        customers.append(base)
        if rng.random() < 0.4:  # a later version
            later = registered + timedelta(days=rng.randrange(1, 400))
            if later < end:
                customers.append(base | {"updated_at": later, "app_sessions_30d": rng.randrange(0, 40)})
        for j in range(rng.choice([0, 0, 1, 2, 3, 4, 6, 8, 11, 14])):
            ordered = registered + timedelta(
                days=rng.randrange(max(1, (end - registered).days)), minutes=rng.randrange(1440)
            )
            scale = 3000 if is_enterprise else 200
            amount = Decimal(str(round(rng.lognormvariate(0, 0.6) * scale, 2)))
            # round amounts give equal monetary values (ties) now and then
            if rng.random() < 0.15:
                amount = Decimal("100.00")
            row = {
                "order_id": f"O-{cid}-{j}",
                "customer_id": cid,
                "order_ts": ordered,
                "amount": amount,
                "status": rng.choices(["completed", "refunded", "cancelled"], [85, 8, 7])[0],
                "category": rng.choice(CATEGORIES + [None]),
                "channel": rng.choice(["app", "web", "mini_program", "store", None]),
                "payment_method": rng.choice(["alipay", "wechat", "card"]),
                "discount_amount": rng.choice([None, Decimal("0.00"), Decimal("10.00"), Decimal("25.50")]),
                "updated_at": ordered,
            }
            orders.append(row)
            if rng.random() < 0.12:  # a later correction of the order
                corrected = ordered + timedelta(days=rng.randrange(1, 60))
                if corrected < end:
                    orders.append(
                        row | {"updated_at": corrected, "status": rng.choice(["completed", "refunded"])}
                    )
        for k in range(rng.choice([0, 0, 1, 2, 3])):
            created = registered + timedelta(days=rng.randrange(max(1, (end - registered).days)))
            tickets.append(
                {
                    "ticket_id": f"T-{cid}-{k}",
                    "customer_id": cid,
                    "created_at": created,
                    "ticket_type": rng.choice(["inquiry", "complaint", "suggestion", "after_sales"]),
                    "satisfaction_score": rng.choice([None, 1, 3, 4, 5]),
                    "resolved_at": created + timedelta(days=rng.randrange(1, 20)),
                }
            )
    return customers, orders, tickets


OCCUPATIONS = ["engineer", "teacher", "worker", "student", "astronaut", None]


def _profile_fields(rng: random.Random, is_enterprise: bool, registered: datetime) -> dict[str, Any]:
    """Occupation and income band (individuals; one occupation the vocabulary lacks: astronaut),
    registered capital and founding date (enterprises), some missing."""
    if not is_enterprise:
        return {
            "occupation": rng.choice(OCCUPATIONS),
            "income_band": rng.choice(["low", "mid", "high", None]),
        }
    capital = rng.choice([None, "300000", "1000000", "2500000", "10000000", "80000000"])
    founded = registered.date() - timedelta(days=rng.choice([200, 365 * 3, 365 * 12, 365 * 25]))
    return {
        "registered_capital": Decimal(capital) if capital else None,
        "founded_date": founded if rng.random() > 0.15 else None,
    }


def _create(conn: duckdb.DuckDBPyConnection, spec: SourceSpec, rows: list[dict[str, Any]]) -> None:
    columns = [(c.name, c.sql_type) for c in spec.columns] + META
    conn.execute(f"create schema if not exists {spec.schema}")
    ddl = ", ".join(f"{name} {sql_type}" for name, sql_type in columns)
    conn.execute(f"create or replace table {spec.schema}.{spec.table} ({ddl})")
    values = []
    for row in rows:
        row = {"_source_file": f"{spec.name}.csv", "_loaded_at": LOADED_AT, "_invalid_fields": []} | row
        values.append([row.get(name) for name, _ in columns])
    marks = ", ".join("?" * len(columns))
    conn.executemany(f"insert into {spec.schema}.{spec.table} values ({marks})", values)


def mark_latest(conn: duckdb.DuckDBPyConnection) -> None:
    """`_is_latest` as extraction sets it: one row per key, the latest version (updated_at)."""
    for spec in SOURCES:
        order = f"{spec.version_by} desc nulls last, " if spec.version_by else ""
        conn.execute(f"""
            update {spec.schema}.{spec.table} as t set _is_latest = ranked.rn = 1
            from (select rowid as rid, row_number() over (
                    partition by {spec.key} order by {order}_loaded_at desc, _source_file desc) as rn
                  from {spec.schema}.{spec.table}) as ranked
            where t.rowid = ranked.rid
        """)


def build_raw_warehouse(path: Path) -> Path:
    customers, orders, tickets = (a + b for a, b in zip(hand_written(), generated(), strict=True))
    with duckdb.connect(str(path)) as conn:
        conn.execute("set TimeZone = 'UTC'")
        for spec, rows in zip(SOURCES, (customers, orders, tickets), strict=True):
            _create(conn, spec, rows)
        mark_latest(conn)
    return path


def cut_raw_warehouse(path: Path, as_of: date) -> None:
    """What a run at the end of `as_of` would have loaded: rows dated after it are quarantined
    (required timestamps) or nulled (optional ones), orders of unknown customers dropped."""
    cutoff = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    with duckdb.connect(str(path)) as conn:
        conn.execute("set TimeZone = 'UTC'")
        conn.execute(
            "delete from crm.customers where registered_at >= ? or updated_at >= ?", [cutoff, cutoff]
        )
        conn.execute("delete from shop.orders where order_ts >= ? or updated_at >= ?", [cutoff, cutoff])
        conn.execute("delete from helpdesk.tickets where created_at >= ?", [cutoff])
        conn.execute(
            "update helpdesk.tickets set resolved_at = null, "
            "_invalid_fields = list_append(_invalid_fields, 'resolved_at') where resolved_at >= ?",
            [cutoff],
        )
        for table in ("shop.orders", "helpdesk.tickets"):
            conn.execute(
                f"delete from {table} where customer_id not in (select customer_id from crm.customers)"
            )
        mark_latest(conn)
