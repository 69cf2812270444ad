"""End to end through the real path (segments CLI -> Dagster -> dbt -> DuckDB -> published files),
on generated sources: one backfill of four quarters, shared by every test of this module. Its config
is the shipped one with the churn-risk tag and segment judged by p_alive (CHURN_BY_P_ALIVE), as the
config's comments show, so that the predicted value is fitted before the rules run.

Tests run in file order; the last ones re-run and publish again, after the read-only ones.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.special import hyp2f1

from pipelines.generate import generate_sources
from pipelines.publish.database import read_published
from pipelines.quarters import Quarter, quarter_range
from pipelines.settings import DEFAULT_CONFIG_PATH
from tests.publish.contract import CONTRACT_COLUMNS, TABLES, undescribed

BIN = Path(sys.executable).parent
FIRST, LAST = Quarter.parse("2025Q4"), Quarter.parse("2026Q3")
QUARTERS = quarter_range(FIRST, LAST)
SNAPSHOTS = [quarter.as_of for quarter in QUARTERS]
# p_alive thresholds of the churn rules in this backfill's config (the day thresholds stay the shipped
# ones: 90 / 30 days for the tag, 90 days for the segment).
CHURN_BY_P_ALIVE = {
    "churn_high_max_p_alive": 0.3,
    "churn_mid_max_p_alive": 0.6,
    "churn_segment_max_p_alive": 0.5,
}
BY_P_ALIVE = "case when lifetime_orders > 1 and p_alive is not null then p_alive < {{{p}}} else {days} end"


# Campaign sends written next to the generated sources (the optional campaigns source): campaign ->
# (send times, UTC; the share of the customers registered by the snapshot before it who get it).
CAMPAIGNS = {
    "spring": (["2026-01-01T00:30:00Z", "2026-02-15T10:00:00Z"], 0.4),
    "summer": (["2026-05-10T10:00:00Z"], 0.3),
}


def write_campaigns(sources: Path) -> None:
    """campaigns.csv: each campaign sent to a hash-chosen share of the customers registered before
    the quarter it is sent in, one in three of them twice (two sends, one contact)."""
    customers = pd.read_csv(sources / "crm_customers.csv", usecols=["customer_id", "registered_at"])
    customers = customers.drop_duplicates("customer_id")
    registered = pd.to_datetime(customers.registered_at, utc=True, format="ISO8601", errors="coerce")
    rows = []
    for campaign, (times, share) in CAMPAIGNS.items():
        quarter_start = pd.Timestamp(times[-1]).to_period("Q").start_time.tz_localize("UTC")
        chosen = customers[
            (registered < quarter_start)
            & (customers.customer_id.map(lambda c, k=campaign: hash_share(f"{k}:{c}")) < share)
        ]
        for i, customer_id in enumerate(sorted(chosen.customer_id)):
            sends = times if i % 3 == 0 else times[-1:]
            rows += [(customer_id, campaign, at, "sms") for at in sends]
    frame = pd.DataFrame(rows, columns=["customer_id", "campaign_id", "sent_at", "channel"])
    frame.to_csv(sources / "campaigns.csv", index=False)


def hash_share(text: str) -> float:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 16**8


def churn_by_p_alive_config(path: Path) -> Path:
    """The shipped config with the churn_risk tag (high, mid) and segment rules judged by p_alive for
    repeat buyers, by days for the others (the pattern its comments give)."""
    config = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    config["parameters"].update(CHURN_BY_P_ALIVE)
    tag = next(t for t in config["tags"] if t["attribute"] == "churn_risk")
    for value in tag["values"][:2]:
        days = f"coalesce(recency_days, tenure_days) > {{churn_{value['value']}_min_days}}"
        assert value["rule"] == days, value
        value["rule"] = BY_P_ALIVE.format(p=f"churn_{value['value']}_max_p_alive", days=days)
    segment = next(s for s in config["segments"] if s["code"] == "churn_risk")
    days = "recency_days > {churn_segment_min_days}"
    assert segment["rule"].startswith(days + " and ("), segment["rule"]
    segment["rule"] = (
        BY_P_ALIVE.format(p="churn_segment_max_p_alive", days=days) + segment["rule"][len(days) :]
    )
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Backfill:
    data_dir: Path
    source_dir: Path
    env: dict[str, str]
    output: str
    seconds: float

    @property
    def published(self) -> Path:
        return self.data_dir / "published" / "segments.duckdb"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=1800)


@pytest.fixture(scope="module")
def backfill(tmp_path_factory: pytest.TempPathFactory) -> Backfill:
    root = tmp_path_factory.mktemp("pipeline")
    sources = root / "sources"
    generate_sources(sources, customers=1500, seed=11, end_date=LAST.as_of, fmt="csv")
    write_campaigns(sources)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEGMENTS_", "DAGSTER_"))}
    env |= {
        "SEGMENTS_DATA_DIR": str(root / "data"),
        "SEGMENTS_SOURCE_DIR": str(sources),
        "SEGMENTS_PII_SALT": "test-salt",
        "SEGMENTS_CONFIG": str(churn_by_p_alive_config(root / "segments.yml")),
    }
    started = time.monotonic()
    done = run([str(BIN / "segments"), "backfill", "--from", str(FIRST), "--to", str(LAST)], env)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    return Backfill(root / "data", sources, env, done.stdout, time.monotonic() - started)


def query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def query_frame(database: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as conn:
        return conn.execute(sql).df()


def row_counts(database: Path) -> dict[str, list[tuple]]:
    """Rows per table and snapshot (the latest tables: in total)."""
    found = {}
    with duckdb.connect(str(database), read_only=True) as conn:
        for table in TABLES:
            column = {"segment_migration": "to_snapshot"}.get(table, "snapshot_date")
            has_column = column in {row[0] for row in conn.execute(f"describe {table}").fetchall()}
            group = column if has_column else "null"
            found[table] = conn.execute(
                f"select {group}, count(*) from {table} group by all order by 1"
            ).fetchall()
    return found


def test_backfill_builds_four_snapshots_in_order(backfill: Backfill) -> None:
    ran = [line.split()[2] for line in backfill.output.splitlines() if line.startswith("segments: running")]
    assert ran == [str(q) for q in QUARTERS]
    assert [
        row[0]
        for row in query(backfill.published, "select distinct snapshot_date from segment_history order by 1")
    ] == SNAPSHOTS
    with duckdb.connect(str(backfill.data_dir / "warehouse.duckdb"), read_only=True) as conn:
        assert [
            r[0]
            for r in conn.execute("select snapshot_date from history.history_snapshots order by 1").fetchall()
        ] == SNAPSHOTS


def test_migrations_link_each_snapshot_to_the_one_before_and_add_up(backfill: Backfill) -> None:
    database = backfill.published
    pairs = query(database, "select distinct from_snapshot, to_snapshot from segment_migration order by 1")
    assert pairs == list(zip(SNAPSHOTS, SNAPSHOTS[1:], strict=False))
    for before, after in pairs:
        leaving = dict(
            query(
                database,
                f"select from_segment, sum(customers) from segment_migration where "
                f"to_snapshot = '{after}' and from_segment <> 'newly_registered' group by 1",
            )
        )
        arriving = dict(
            query(
                database,
                f"select to_segment, sum(customers) from segment_migration where "
                f"to_snapshot = '{after}' and to_segment <> 'removed' group by 1",
            )
        )
        assert leaving == dict(
            query(
                database, f"select segment, customers from segment_summary where snapshot_date = '{before}'"
            )
        )
        assert arriving == dict(
            query(database, f"select segment, customers from segment_summary where snapshot_date = '{after}'")
        )
        new = query(
            database,
            f"select count(*) from segment_history as later where snapshot_date = '{after}' and not exists "
            f"(select 1 from segment_history as earlier where earlier.snapshot_date = '{before}' "
            "and earlier.customer_id = later.customer_id)",
        )[0][0]
        registered = query(
            database,
            f"select coalesce(sum(customers), 0) from segment_migration where to_snapshot = '{after}' "
            "and from_segment = 'newly_registered'",
        )[0][0]
        assert registered == new > 0


def test_published_tables_hold_the_contract_columns_and_the_parquet_mirror_matches(
    backfill: Backfill,
) -> None:
    counts = row_counts(backfill.published)
    with duckdb.connect(str(backfill.published), read_only=True) as conn:
        for table, columns in CONTRACT_COLUMNS.items():
            present = {row[0] for row in conn.execute(f"describe {table}").fetchall()}
            assert columns <= present, f"{table} lacks {columns - present}"
        latest = conn.execute("select max(snapshot_date) from segment_history").fetchone()[0]
        assert conn.execute("select count(*), min(snapshot_date) from customer_segments").fetchone() == (
            conn.execute(f"select count(*) from segment_history where snapshot_date = '{latest}'").fetchone()[
                0
            ],
            latest,
        )
        mirror = backfill.data_dir / "published" / "parquet"
        # customer_tags is the latest tag_history partition, row for row, in the file and in the mirror
        latest_tags = f"(select * from tag_history where snapshot_date = '{latest}')"
        mirrored_tags = (
            f"(select * from read_parquet('{mirror}/customer_tags/*/*.parquet', hive_partitioning = true, "
            "hive_types = {'snapshot_date': date}))"
        )
        for one, other in [("customer_tags", latest_tags), (latest_tags, "customer_tags")]:
            missing = conn.execute(f"select count(*) from (from {one} except all from {other})").fetchone()
            assert missing == (0,)
        assert conn.execute(
            f"select count(*) from (select * exclude (snapshot_date) from {mirrored_tags} "
            "except all select * exclude (snapshot_date) from customer_tags)"
        ).fetchone() == (0,)
        assert conn.execute(f"select distinct snapshot_date from {mirrored_tags}").fetchall() == [(latest,)]
        assert conn.execute("select count(*) from customer_tags").fetchone()[0] > 0
        for table in TABLES:
            files = list((mirror / table).rglob("*.parquet"))
            in_mirror = conn.execute(
                f"select count(*) from read_parquet({[str(f) for f in files]})"
            ).fetchone()[0]
            assert in_mirror == sum(n for _, n in counts[table]), table
        assert len(list((mirror / "segment_history").glob("snapshot_date=*/data.parquet"))) == 4


def test_no_source_name_email_or_phone_appears_in_the_published_file(backfill: Backfill) -> None:
    with duckdb.connect() as conn:
        conn.execute(
            "create table raw as select distinct value from (select unnest([name, email, phone, "
            "lower(trim(email)), regexp_replace(phone, '[^0-9+]', '', 'g')]) as value "
            f"from read_csv('{backfill.source_dir / 'crm_customers.csv'}', all_varchar = true)) "
            "where length(value) >= 2"
        )
        # ... and as the warehouse normalised them (E.164 phones, lower-case emails).
        conn.execute(f"attach '{backfill.data_dir / 'warehouse.duckdb'}' as warehouse (read_only)")
        conn.execute(
            "insert into raw select distinct unnest([customer_name, email, phone]) "
            "from warehouse.staging.stg_crm__customers"
        )
        conn.execute("detach warehouse")
        assert conn.execute("select count(*) from raw where value like '%@%'").fetchone()[0] > 1000
        conn.execute(f"attach '{backfill.published}' as published (read_only)")
        leaks = []
        for schema, table, column in conn.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = 'published' and data_type = 'VARCHAR'"
        ).fetchall():
            found = conn.execute(
                f'select count(*) from published."{schema}"."{table}" '
                f'where "{column}" in (select value from raw)'
            ).fetchone()[0]
            if found:
                leaks.append(f"{schema}.{table}.{column}: {found}")
    assert leaks == []


def test_publish_metadata_shows_counts_shares_migrations_and_the_file(backfill: Backfill) -> None:
    with dg.DagsterInstance.from_config(str(backfill.data_dir / "dagster_home")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["published", "segments"]))
    metadata = event.asset_materialization.metadata
    assert event.asset_materialization.partition == LAST.partition_key
    assert (
        metadata["dagster/row_count"].value
        == query(
            backfill.published, f"select count(*) from segment_history where snapshot_date = '{LAST.as_of}'"
        )[0][0]
    )
    assert metadata["published_file"].value == str(backfill.published)
    assert "| segment | label | customers |" in metadata["segment_shares"].value
    assert "newly_registered" in metadata["segment_migration"].value
    assert "| segment_history |" in metadata["row_counts"].value
    report = backfill.data_dir / "published" / "report"
    assert metadata["report_file"].value == str(report / f"{LAST}.html")
    assert metadata["report_index"].value == str(report / "index.html")


def test_the_report_has_a_page_per_snapshot_and_an_index_listing_them(backfill: Backfill) -> None:
    report = backfill.data_dir / "published" / "report"
    assert sorted(p.name for p in report.iterdir()) == sorted(
        [f"{q}.html" for q in QUARTERS] + ["index.html"]
    )
    index = (report / "index.html").read_text(encoding="utf-8")
    for quarter in QUARTERS:
        assert f'<a href="{quarter}.html">{quarter}</a>' in index
    customers = query(
        backfill.published, f"select count(*) from segment_history where snapshot_date = '{LAST.as_of}'"
    )[0][0]
    assert f'<td class="number">{customers:,}</td>' in index
    page = (report / f"{LAST}.html").read_text(encoding="utf-8")
    assert page.count("plotly.js v") == 1 and "chart-migration" in page


def test_every_table_view_and_column_of_the_published_file_has_a_description(backfill: Backfill) -> None:
    # The real marts' columns (described in the dbt YAML) and those the publish and quality code adds.
    with duckdb.connect(str(backfill.published), read_only=True) as conn:
        assert undescribed(conn) == []
        described = conn.execute(
            "select schema_name, count(distinct table_name), count(*) from duckdb_columns() "
            "where database_name = current_database() and schema_name in ('main', 'meta') "
            "group by 1 order by 1"
        ).fetchall()
        comments = dict(
            conn.execute(
                "select table_name || '.' || column_name, comment from duckdb_columns() "
                "where database_name = current_database() and schema_name = 'main'"
            ).fetchall()
        )
    assert described[0][:2] == ("main", len(TABLES)) and described[0][2] > 150
    assert described[1][:2] == ("meta", 2)
    assert comments["customer_segments.strategy"] == comments["segment_history.strategy"]
    assert comments["quality_results.description"].startswith("One line: what failed")
    assert (backfill.data_dir / "dbt_target" / "manifest.json").is_file()  # the last dbt run's
    with dg.DagsterInstance.from_config(str(backfill.data_dir / "dagster_home")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["published", "segments"]))
    assert event.asset_materialization.metadata["undocumented_columns"].value == []


# --- predicted value (pipelines/value): recomputed here from the orders and the published parameters


def bgnbd_expected_orders(bg: dict, t: float, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
    """E[orders in (T, T + t] | x, t_x, T], Fader, Hardie and Lee 2005 eq. 10 as printed."""
    r, alpha, a, b = bg["r"], bg["alpha"], bg["a"], bg["b"]
    if t == 0:
        return np.zeros(len(x))
    head = (a + b + x - 1) / (a - 1)
    bracket = 1 - ((alpha + age) / (alpha + age + t)) ** (r + x) * hyp2f1(
        r + x, b + x, a + b + x - 1, t / (alpha + age + t)
    )
    return head * bracket * bgnbd_p_alive(bg, x, t_x, age)


def bgnbd_p_alive(bg: dict, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
    r, alpha, a, b = bg["r"], bg["alpha"], bg["a"], bg["b"]
    ratio = a / np.maximum(b + x - 1, 1e-300) * ((alpha + age) / (alpha + t_x)) ** (r + x)
    return np.where(x > 0, 1 / (1 + ratio), 1.0)


def test_clv_models_are_published_per_snapshot_and_the_asset_reports_the_fit(backfill: Backfill) -> None:
    fits = query(
        backfill.published,
        "select snapshot_date, model, fitted, converged, sample_size, population, repeat_customers, "
        "r, alpha, a, b, p, q, v, annual_discount_rate from clv_models order by 1, 2",
    )
    assert [(row[0], row[1]) for row in fits] == [(d, m) for d in SNAPSHOTS for m in ("bgnbd", "gamma_gamma")]
    for _, model, fitted, converged, sample, population, repeat, *params, rate in fits:
        assert fitted and converged and rate == 0.12
        assert 20 <= repeat <= sample <= population  # the default sample (100,000) holds everyone here
        named = dict(zip(["r", "alpha", "a", "b", "p", "q", "v"], params, strict=True))
        wanted = ("r", "alpha", "a", "b") if model == "bgnbd" else ("p", "q", "v")
        assert all(named[k] > 0 for k in wanted) and all(named[k] is None for k in named if k not in wanted)
    with dg.DagsterInstance.from_config(str(backfill.data_dir / "dagster_home")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["value", "clv_models"]))
    metadata = {key: value.value for key, value in event.asset_materialization.metadata.items()}
    assert event.asset_materialization.partition == LAST.partition_key
    last = {row[1]: row for row in fits if row[0] == LAST.as_of}
    assert metadata["parameters"]["bgnbd"]["r"] == last["bgnbd"][7]
    assert metadata["sample_size"] == last["bgnbd"][4] and metadata["seconds"] > 0
    assert metadata["fitted"] is True and metadata["warnings"] == []


def test_predictions_equal_the_closed_forms_on_the_orders_for_every_customer(backfill: Backfill) -> None:
    as_of = LAST.as_of
    with duckdb.connect(str(backfill.published), read_only=True) as conn:
        bg, gg = (
            conn.execute(
                f"select {columns} from clv_models where snapshot_date = $d and model = $m",
                {"d": as_of, "m": model},
            )
            .df()
            .iloc[0]
            .to_dict()
            for model, columns in (("bgnbd", "r, alpha, a, b"), ("gamma_gamma", "p, q, v"))
        )
        published = (
            conn.execute(
                "select customer_id, p_alive, expected_orders_90d, predicted_clv_12m from segment_history "
                "where snapshot_date = $d",
                {"d": as_of},
            )
            .df()
            .set_index("customer_id")
        )
        latest = (
            conn.execute("select customer_id, p_alive, predicted_clv_12m from customer_segments")
            .df()
            .set_index("customer_id")
        )
    # The warehouse's staging still holds the last quarter built (LAST): its completed orders as of D.
    with duckdb.connect(str(backfill.data_dir / "warehouse.duckdb"), read_only=True) as conn:
        orders = conn.execute(
            "select customer_id, order_id, ordered_at, order_date, cast(amount as double) as amount "
            "from staging.stg_shop__orders where is_completed"
        ).df()
        stored = conn.execute(
            "select snapshot_date, count(*), count(distinct customer_id) from value.customer_value "
            "group by 1 order by 1"
        ).fetchall()
    in_history = query(
        backfill.published, "select snapshot_date, count(*) from segment_history group by 1 order by 1"
    )
    assert [(d, n, n) for d, n in in_history] == stored  # every customer of each snapshot, once
    orders = orders[orders.customer_id.isin(published.index)].sort_values(
        ["customer_id", "ordered_at", "order_id"]
    )
    per_customer = orders.groupby("customer_id").agg(
        n=("order_id", "size"), first=("order_date", "min"), last=("order_date", "max")
    )
    repeat_spend = orders[orders.duplicated("customer_id")].groupby("customer_id").amount.mean()
    x = per_customer.n.to_numpy(float) - 1
    t_x = (per_customer["last"] - per_customer["first"]).dt.days.to_numpy(float)
    age = (pd.Timestamp(as_of) - per_customer["first"]).dt.days.to_numpy(float) + 1
    buyers = published.loc[per_customer.index]
    assert buyers.p_alive.to_numpy() == pytest.approx(bgnbd_p_alive(bg, x, t_x, age), rel=1e-9, abs=1e-12)
    assert (buyers.p_alive[x == 0] == 1.0).all() and (x == 0).any() and (x > 0).sum() >= 20
    never_bought = published.drop(per_customer.index)
    assert len(never_bought) > 0 and never_bought.isna().all().all()
    # A handful of repeat buyers: 90-day orders and 12-month CLV from the printed formulas.
    chosen = np.flatnonzero(x > 0)[:6]
    xs, ts, ages = x[chosen], t_x[chosen], age[chosen]
    assert buyers.expected_orders_90d.to_numpy()[chosen] == pytest.approx(
        bgnbd_expected_orders(bg, 90.0, xs, ts, ages), rel=1e-8
    )
    spend = repeat_spend.reindex(per_customer.index[chosen]).to_numpy()
    per_order = gg["p"] * (gg["v"] + xs * spend) / (gg["p"] * xs + gg["q"] - 1)
    month = 365.25 / 12
    orders_discounted = sum(
        (
            bgnbd_expected_orders(bg, i * month, xs, ts, ages)
            - bgnbd_expected_orders(bg, (i - 1) * month, xs, ts, ages)
        )
        / 1.12 ** (i / 12)
        for i in range(1, 13)
    )
    assert buyers.predicted_clv_12m.to_numpy()[chosen] == pytest.approx(
        per_order * orders_discounted, rel=1e-8
    )
    # customer_segments (the latest snapshot) carries the same values.
    assert latest.p_alive.reindex(published.index).equals(published.p_alive)
    assert latest.predicted_clv_12m.reindex(published.index).equals(published.predicted_clv_12m)


def test_churn_risk_tag_and_segment_follow_p_alive_where_the_config_asks(backfill: Backfill) -> None:
    frame = query_frame(
        backfill.published,
        "select snapshot_date, customer_id, p_alive, lifetime_orders, recency_days, tenure_days, f_score, "
        "complaints_365d, satisfaction_mean, churn_risk, segment from segment_history",
    )
    # The rules written out in pandas (a comparison with a null is false, as a null rule is in SQL).
    by_p_alive = (frame.lifetime_orders > 1) & frame.p_alive.notna()
    days = frame.recency_days.fillna(frame.tenure_days)
    # The shipped thresholds the rules keep (days, F score, satisfaction), and the p_alive ones added.
    shipped = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    limits = shipped["parameters"] | CHURN_BY_P_ALIVE
    high_days = days > limits["churn_high_min_days"]
    high = np.where(by_p_alive, frame.p_alive < limits["churn_high_max_p_alive"], high_days)
    mid = np.where(
        by_p_alive, frame.p_alive < limits["churn_mid_max_p_alive"], days > limits["churn_mid_min_days"]
    )
    expected_tag = np.select([high, mid], ["high", "mid"], "low")
    assert (frame.churn_risk == expected_tag).all()
    # p_alive decides for some repeat buyers what the days alone would not have (both ways).
    assert (by_p_alive & (high != high_days)).sum() > 0
    segment_rule = np.where(
        by_p_alive,
        frame.p_alive < limits["churn_segment_max_p_alive"],
        frame.recency_days > limits["churn_segment_min_days"],
    ) & (
        (frame.f_score <= limits["churn_segment_max_frequency_score"])
        | (frame.complaints_365d > 0)
        | (frame.satisfaction_mean <= limits["negative_satisfaction_max"])
    )
    # First matching rule in the config's order: a churn_risk customer matches the rule; one who
    # matches it is churn_risk unless a segment listed before it matched first.
    codes = [segment["code"] for segment in shipped["segments"]]
    before = codes[: codes.index("churn_risk")]
    at_risk = frame.segment == "churn_risk"
    assert segment_rule[at_risk].all() and at_risk.sum() > 0
    assert frame.segment[segment_rule].isin([*before, "churn_risk"]).all()


def test_campaign_outcomes_follow_the_delivered_sends_through_the_whole_run(backfill: Backfill) -> None:
    """campaign_outcomes recomputed in pandas from the campaigns.csv the fixture wrote and
    segment_history: for a snapshot S and the next quarter end T, the customers of a segment on S
    (not held out) sent the campaign in T's calendar quarter, against the segment's holdout on S;
    repurchase = a completed order in T's quarter (quarter_orders on T)."""
    sends = pd.read_csv(backfill.source_dir / "campaigns.csv")
    sends["sent_date"] = pd.to_datetime(sends.sent_at, utc=True).dt.date
    history = query_frame(
        backfill.published,
        "select snapshot_date, customer_id, segment, in_holdout, quarter_orders from segment_history",
    )
    history["snapshot_date"] = history.snapshot_date.dt.date
    published = query_frame(
        backfill.published,
        'select snapshot_date, campaign_id, segment, "group", outcome_snapshot, customers, '
        "repurchase_rate, orders_per_customer, lift from campaign_outcomes where customers > 0",
    )
    published["snapshot_date"] = published.snapshot_date.dt.date
    expected_rows = []
    for before, after in zip(SNAPSHOTS, SNAPSHOTS[1:], strict=False):
        earlier = history[history.snapshot_date == before].set_index("customer_id")
        later = history[history.snapshot_date == after].set_index("customer_id")
        orders = later.quarter_orders.reindex(earlier.index).fillna(0)
        quarter_start = date(after.year, after.month - 2, 1)
        in_quarter = sends[(sends.sent_date >= quarter_start) & (sends.sent_date <= after)]
        for campaign, sent in in_quarter.groupby("campaign_id"):
            reached = earlier.index.isin(sent.customer_id) & earlier.index.isin(later.index)
            contacted = earlier[reached & ~earlier.in_holdout]
            for segment in sorted(contacted.segment.unique()):
                groups = {
                    "contacted": contacted[contacted.segment == segment].index,
                    "holdout": earlier[(earlier.segment == segment) & earlier.in_holdout].index,
                }
                rates = {group: (orders[ids] > 0).mean() for group, ids in groups.items() if len(ids)}
                lift = rates["contacted"] - rates["holdout"] if len(rates) == 2 else None
                expected_rows += [
                    (before, campaign, segment, group, len(ids), rates[group], orders[ids].mean(), lift)
                    for group, ids in groups.items()
                    if len(ids)
                ]
    columns = ["snapshot_date", "campaign_id", "segment", "group", "customers", "repurchase_rate"]
    expected = pd.DataFrame(expected_rows, columns=[*columns, "orders_per_customer", "lift"])
    key = ["snapshot_date", "campaign_id", "segment", "group"]
    got = published.sort_values(key).reset_index(drop=True)
    expected = expected.sort_values(key).reset_index(drop=True)
    assert set(expected.campaign_id) == set(CAMPAIGNS) and len(expected) > 4
    assert got[key].values.tolist() == expected[key].values.tolist()
    assert got.customers.tolist() == expected.customers.tolist()
    for column in ("repurchase_rate", "orders_per_customer", "lift"):
        assert got[column].to_numpy(dtype=float) == pytest.approx(
            expected[column].to_numpy(dtype=float), abs=1e-12, nan_ok=True
        ), column


def test_the_backtest_sets_each_deciles_predicted_orders_next_to_the_next_quarters(
    backfill: Backfill,
) -> None:
    """clv_backtest recomputed in pandas from segment_history: deciles of expected_orders_90d on S
    (ntile: sizes differ by at most one, the larger first; ties by customer_id) and the quarter_orders
    the same customers have on the next snapshot (0 when gone); no actuals for the last snapshot."""
    history = query_frame(
        backfill.published,
        "select snapshot_date, customer_id, p_alive, expected_orders_90d, quarter_orders "
        "from segment_history",
    )
    published = query_frame(backfill.published, "select * from clv_backtest order by snapshot_date, decile")
    for position, snapshot in enumerate(SNAPSHOTS):
        now = history[(history.snapshot_date == pd.Timestamp(snapshot)) & history.expected_orders_90d.notna()]
        now = now.sort_values(["expected_orders_90d", "customer_id"]).reset_index(drop=True)
        sizes = [len(now) // 10 + (1 if i < len(now) % 10 else 0) for i in range(10)]
        now["decile"] = np.repeat(np.arange(1, 11), sizes)
        rows = published[published.snapshot_date == pd.Timestamp(snapshot)].set_index("decile")
        assert list(rows.index) == list(range(1, 11))
        expected = now.groupby("decile").agg(
            customers=("customer_id", "size"),
            predicted=("expected_orders_90d", "mean"),
            p_alive=("p_alive", "mean"),
        )
        assert rows.customers.tolist() == expected.customers.tolist()
        assert rows.predicted_orders_per_customer.to_numpy() == pytest.approx(expected.predicted.to_numpy())
        assert rows.mean_p_alive.to_numpy() == pytest.approx(expected.p_alive.to_numpy())
        if position + 1 == len(SNAPSHOTS):
            assert rows.outcome_snapshot.isna().all() and rows.actual_orders_per_customer.isna().all()
            assert query(
                backfill.published,
                f"select count(*) from clv_backtest where snapshot_date = '{snapshot}' "
                "and actual_repurchase_rate is not null",
            ) == [(0,)]
            continue
        later = history[history.snapshot_date == pd.Timestamp(SNAPSHOTS[position + 1])]
        now["actual"] = now.customer_id.map(later.set_index("customer_id").quarter_orders).fillna(0)
        actual = now.groupby("decile").actual
        assert (rows.outcome_snapshot == pd.Timestamp(SNAPSHOTS[position + 1])).all()
        assert rows.actual_orders_per_customer.to_numpy() == pytest.approx(actual.mean().to_numpy())
        assert rows.actual_orders.to_numpy() == pytest.approx(actual.sum().to_numpy())
        assert rows.actual_repurchase_rate.to_numpy() == pytest.approx(
            actual.apply(lambda orders: (orders > 0).mean()).to_numpy()
        )
    # the model ranks customers: the top decile orders more than the bottom one, in prediction and in fact
    known = published.dropna(subset=["actual_orders_per_customer"])
    top, bottom = known[known.decile == 10], known[known.decile == 1]
    assert (top.actual_orders_per_customer.to_numpy() > bottom.actual_orders_per_customer.to_numpy()).all()


KILLED_PUBLISH = textwrap.dedent(
    """
    import os, signal, sys
    import dagster as dg
    from pipelines.publish import publisher
    from pipelines.definitions import defs
    from pipelines.runs import prepare_instance_home

    def killed(staged, database):
        # The new file is complete under its temporary name: die before it replaces the old one.
        os.kill(os.getpid(), signal.SIGKILL)

    publisher.swap_in = killed
    prepare_instance_home()
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("quarterly_segments").execute_in_process(
            partition_key=sys.argv[1], instance=instance, raise_on_error=False,
            asset_selection=[dg.AssetKey(["published", "segments"])],
        )
    sys.exit(0 if result.success else 1)
    """
)


def test_a_publish_killed_midway_leaves_the_previous_file(backfill: Backfill) -> None:
    published_dir = backfill.published.parent
    before = read_published(backfill.published)
    counts = row_counts(backfill.published)
    # Mark the last quarter's history as re-written, so that the publish has files to write.
    with duckdb.connect(str(backfill.data_dir / "warehouse.duckdb")) as conn:
        conn.execute(
            "update history.history_snapshots set version = 'changed' where snapshot_date = $d",
            {"d": LAST.as_of},
        )
    killed = run([sys.executable, "-c", KILLED_PUBLISH, LAST.partition_key], backfill.env)
    assert killed.returncode == -9, killed.stdout[-3000:] + killed.stderr[-3000:]
    assert list(published_dir.glob(".segments.duckdb.*.tmp"))  # the new file, never swapped in
    assert read_published(backfill.published).publish_id == before.publish_id
    assert row_counts(backfill.published) == counts


def test_the_next_run_succeeds_without_disturbing_a_reader_and_keeps_row_counts(backfill: Backfill) -> None:
    # The run after the killed publish above; it re-runs a middle quarter, so migrations on both
    # sides of it are rebuilt, while a BI reader holds the published file open throughout.
    rerun = QUARTERS[1]
    counts = row_counts(backfill.published)
    report = backfill.data_dir / "published" / "report"
    pages_before = {p.name: p.stat().st_mtime_ns for p in report.iterdir()}
    with duckdb.connect(str(backfill.data_dir / "warehouse.duckdb"), read_only=True) as conn:
        versions = dict(
            conn.execute("select snapshot_date, version from history.history_snapshots").fetchall()
        )
    reader = duckdb.connect(str(backfill.published), read_only=True)
    try:
        seen = reader.execute(
            "select segment, count(*) from segment_history group by 1 order by 1"
        ).fetchall()
        log = backfill.data_dir.parent / f"rerun-{rerun}.log"
        with log.open("w") as output:  # a file, not a pipe: the run's log would fill a pipe and stall it
            process = subprocess.Popen(
                [str(BIN / "segments"), "run", "--quarter", str(rerun)],
                env=backfill.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            while process.poll() is None:
                # The reader's queries go on while the run rebuilds and republishes: same answers.
                assert (
                    reader.execute(
                        "select segment, count(*) from segment_history group by 1 order by 1"
                    ).fetchall()
                    == seen
                )
                time.sleep(0.5)
        assert process.returncode == 0, log.read_text()[-5000:]
        assert (
            reader.execute("select segment, count(*) from segment_history group by 1 order by 1").fetchall()
            == seen
        )
    finally:
        reader.close()
    assert row_counts(backfill.published) == counts
    assert not list(backfill.published.parent.glob(".segments.duckdb.*"))
    # The report: the re-run quarter's page, the one before (its outcomes) and every later one are
    # written again, the index too.
    rewritten = {p.name for p in report.iterdir() if p.stat().st_mtime_ns != pages_before[p.name]}
    assert rewritten == {f"{q}.html" for q in QUARTERS} | {"index.html"}
    with duckdb.connect(str(backfill.data_dir / "warehouse.duckdb"), read_only=True) as conn:
        after = dict(conn.execute("select snapshot_date, version from history.history_snapshots").fetchall())
    assert {d for d in after if after[d] != versions[d]} == {rerun.as_of}
    with dg.DagsterInstance.from_config(str(backfill.data_dir / "dagster_home")) as instance:
        unfinished = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    assert unfinished == []  # the killed run was marked failed, its pool slot freed


def test_a_rerun_replaced_the_quarters_value_rows(backfill: Backfill) -> None:
    # After the re-run of QUARTERS[1] above: its fit and predictions were written again, replacing the
    # earlier ones (still one row per customer and two per model), and history shows the new fit.
    rerun = QUARTERS[1]
    with duckdb.connect(str(backfill.data_dir / "warehouse.duckdb"), read_only=True) as conn:
        assert conn.execute(
            "select snapshot_date, count(*) from value.clv_models group by 1 order by 1"
        ).fetchall() == [(d, 2) for d in SNAPSHOTS]
        assert conn.execute(
            "select count(*) from (select snapshot_date, customer_id from value.customer_value "
            "group by all having count(*) > 1)"
        ).fetchone() == (0,)
        assert conn.execute(
            "select count(*) from (from value.clv_models except from history.clv_models)"
        ).fetchone() == (0,)
    with dg.DagsterInstance.from_config(str(backfill.data_dir / "dagster_home")) as instance:
        runs = {
            quarter: len(
                instance.fetch_materializations(
                    dg.AssetRecordsFilter(
                        asset_key=dg.AssetKey(["value", "customer_value"]),
                        asset_partitions=[quarter.partition_key],
                    ),
                    limit=10,
                ).records
            )
            for quarter in QUARTERS
        }
    assert runs == {quarter: 2 if quarter == rerun else 1 for quarter in QUARTERS}
