"""A small published file with three quarters, built by the real history and publish code.

The marts are the stand-ins of tests/publish/history_builder.py, given the columns the report reads
(R/F/M values, bilingual labels, portraits); the history dbt models and the publisher are the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.publish.publisher import publish
from pipelines.transform.dbt import dbt_project
from tests.publish.history_builder import build_quarter

Q1, Q2, Q3 = date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30)
SNAPSHOTS = [Q1, Q2, Q3]
SEGMENT_CYCLE = ["loyal", "potential", "churn_risk", "potential", "loyal"]


def segments_of(as_of: date) -> dict[str, str]:
    """30, 36, then 40 customers; some change segment from one quarter to the next."""
    count = {Q1: 30, Q2: 36, Q3: 40}[as_of]
    shift = SNAPSHOTS.index(as_of)
    return {f"C{n}": SEGMENT_CYCLE[(n + shift * (n % 2)) % len(SEGMENT_CYCLE)] for n in range(1, count + 1)}


# Large holdouts, so that 30-40 customers give both groups in every segment.
HOLDOUT_SHARES = {"loyal": 0.4, "potential": 0.4, "churn_risk": 0.4}


def quarter_orders_of(as_of: date) -> dict[str, tuple[int, float]]:
    """0 to 2 completed orders in the quarter ending on `as_of`, 50.0 each (varies by quarter)."""
    shift = SNAPSHOTS.index(as_of)
    return {
        customer: ((int(customer[1:]) + shift) % 3, 50.0 * ((int(customer[1:]) + shift) % 3))
        for customer in segments_of(as_of)
    }


# Values derived from the customer number: every 7th customer never ordered, every 5th not in W.
ENRICH_MARTS = """
create or replace table marts.dim_customers as
select * replace (
        cast(case when frequency = 0 then 0 else monetary end as decimal(18, 2)) as monetary
    ),
    case when number % 7 = 0 then null else (number * 37) % 500 end as recency_days,
    case when number % 7 = 0 or number % 5 = 0 then 0 else 1 + number % 9 end as frequency_value,
    3 as f_score, 3 as m_score, segment_label as segment_label_zh, segment as segment_label_en
from (
    select *, cast(substr(customer_id, 2) as integer) as number,
        case when cast(substr(customer_id, 2) as integer) % 7 = 0
            or cast(substr(customer_id, 2) as integer) % 5 = 0 then 0 else 1 end as frequency
    from marts.dim_customers
);
alter table marts.dim_customers drop column frequency;
alter table marts.dim_customers rename column frequency_value to frequency;
alter table marts.dim_customers drop column number;
create or replace table marts.fct_segment_summary as
select snapshot_date, segment, any_value(segment_label) as segment_label,
    any_value(segment_label_zh) as segment_label_zh, any_value(segment_label_en) as segment_label_en,
    cast(count(*) as integer) as customers, count(*) / sum(count(*)) over () as customer_share,
    sum(monetary) as revenue, sum(monetary) / sum(sum(monetary)) over () as revenue_share,
    avg(r_score) as mean_r_score, 3.0 as mean_f_score, 3.0 as mean_m_score
from marts.dim_customers group by snapshot_date, segment;
create or replace table marts.dim_rfm_calibration as
select *, 'quantile' as scoring_mode, 6 as customers from marts.dim_rfm_calibration;
create or replace table marts.fct_segment_portraits as
select snapshot_date, segment, any_value(segment_label) as label_zh, segment as label_en,
    cast(count(*) as integer) as segment_customers, 88.5 as median_order_value,
    any_value(segment_label) || '：无突出特征' as portrait_zh,
    segment || ': no distinctive attribute' as portrait_en
from marts.dim_customers group by snapshot_date, segment;
"""


@dataclass(frozen=True)
class Published:
    """The published file of three quarters (do not change it: tests share it; copy it first)."""

    database: Path

    @property
    def directory(self) -> Path:
        return self.database.parent


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    root = tmp_path_factory.mktemp("report")
    warehouse = root / "warehouse.duckdb"
    for as_of in SNAPSHOTS:
        build_quarter(
            warehouse,
            as_of,
            segments_of(as_of),
            change_marts=ENRICH_MARTS,
            quarter_orders=quarter_orders_of(as_of),
            holdout_shares=HOLDOUT_SHARES,
        )
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        result = publish(
            conn, root / "published", "run-report", lambda message: None, dbt_project.manifest_path
        )
    return Published(result.database)
