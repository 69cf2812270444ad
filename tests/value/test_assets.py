"""The predicted-value asset on a small warehouse of stand-in tables (the dbt models of the orders and
of the snapshot's customers, as the dbt_cleaned step leaves them): the summary it builds against one
computed here in pandas, a row per customer, re-runs replacing the quarter, and a refused fit that
publishes null predictions with a warning instead of failing. The whole pipeline path (dbt, publish)
is tested in tests/publish/test_pipeline.py."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from pipelines.config import load_config
from pipelines.config.model import Clv
from pipelines.resources import Warehouse
from pipelines.settings import DEFAULT_CONFIG_PATH
from pipelines.value.assets import build_customer_value, customer_value, fit_warnings
from pipelines.value.config import ClvConfig
from pipelines.value.store import DDL, unpredicted_buyers, write_value

SNAPSHOT = date(2025, 12, 31)
PARTITION = "2025-10-01"
CUSTOMERS = 400


def write_stand_ins(path: Path, seed: int = 5) -> pd.DataFrame:
    """int_customers_cleaned (CUSTOMERS ids, the last 40 without an order) and int_orders_outliers_flagged:
    0-8 orders per customer within two years of D, some not completed, one customer whose first order
    is on D, one whose two first orders share a timestamp. Returns the orders."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(CUSTOMERS - 40):
        for n in range(1 + rng.poisson(1.5)):
            day = SNAPSHOT - timedelta(days=int(rng.integers(0, 730)))
            at = pd.Timestamp(day) + pd.Timedelta(minutes=int(rng.integers(0, 1440)))
            rows.append((f"C{i:04d}", f"O{i:04d}-{n}", at, day, round(float(rng.gamma(3, 40)), 2), True))
    orders = pd.DataFrame(
        rows, columns=["customer_id", "order_id", "ordered_at", "order_date", "amount", "is_completed"]
    )
    orders.loc[orders.index % 11 == 3, "is_completed"] = False  # refunded or cancelled: not counted
    first_on_d = orders.customer_id == "C0000"
    orders.loc[first_on_d, ["ordered_at", "order_date", "is_completed"]] = [
        pd.Timestamp(SNAPSHOT),
        SNAPSHOT,
        True,
    ]
    tied = orders.customer_id == "C0001"
    orders.loc[tied, "ordered_at"] = orders.loc[tied, "ordered_at"].min()
    orders.loc[tied, "order_date"] = orders.loc[tied, "ordered_at"].dt.date
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema if not exists intermediate")
        conn.execute(
            "create or replace table intermediate.int_customers_cleaned as "
            "select 'C' || lpad(cast(range as varchar), 4, '0') as customer_id from range($n)",
            {"n": CUSTOMERS},
        )
        conn.execute(
            "create or replace table intermediate.int_orders_outliers_flagged as select customer_id, "
            "order_id, cast(ordered_at as timestamptz) as ordered_at, "
            "cast(order_date as date) as order_date, cast(amount as decimal(18, 2)) as amount, "
            "is_completed from orders"
        )
    return orders


def expected_summary(orders: pd.DataFrame) -> pd.DataFrame:
    """x, t_x, T (whole days, T to the end of D) and the mean repeat spend, written out in pandas."""
    done = orders[orders.is_completed].sort_values(["customer_id", "ordered_at", "order_id"])
    first = done.groupby("customer_id").order_date.min()
    last = done.groupby("customer_id").order_date.max()
    out = pd.DataFrame({"frequency": done.groupby("customer_id").size() - 1.0})
    out["recency_days"] = [(b - a).days for a, b in zip(first, last, strict=True)]
    out["age_days"] = [(SNAPSHOT - a).days + 1 for a in first]
    out["monetary_value"] = done[done.duplicated("customer_id")].groupby("customer_id").amount.mean()
    return out.astype(float)


@pytest.fixture
def warehouse(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    path = tmp_path / "warehouse.duckdb"
    return path, write_stand_ins(path)


def test_summary_sample_and_one_row_per_customer(warehouse: tuple[Path, pd.DataFrame]) -> None:
    path, orders = warehouse
    with duckdb.connect(str(path)) as conn:
        build = build_customer_value(conn, SNAPSHOT, Clv(fit_sample_size=200))
        summary = conn.execute("select * from clv_summary").df().set_index("customer_id").sort_index()
        stored = conn.execute("select * from value.customer_value order by customer_id").df()
        fits = conn.execute("select * from value.clv_models order by model").df()
    expected = expected_summary(orders)
    pd.testing.assert_frame_equal(summary, expected, check_names=False, rtol=1e-12)
    # every order on D: t_x = 0 and T = 1 day
    assert summary.loc["C0000", ["recency_days", "age_days"]].tolist() == [0.0, 1.0]
    assert build.models is not None and build.error is None and build.unpredicted == 0
    assert (build.sample_size, build.buyers, build.population) == (200, len(expected), CUSTOMERS)
    assert fits.model.tolist() == ["bgnbd", "gamma_gamma"] and fits.fitted.all()
    assert fits.population.tolist() == [len(expected)] * 2 and fits.sample_size[0] == 200
    assert fits.annual_discount_rate.tolist() == [0.12, 0.12]
    assert stored.customer_id.tolist() == [f"C{i:04d}" for i in range(CUSTOMERS)]
    assert (stored.snapshot_date.dt.date == SNAPSHOT).all()
    scored = stored.set_index("customer_id").loc[expected.index]
    assert (
        scored.notna().all().all()
        and stored.set_index("customer_id").drop(expected.index).p_alive.isna().all()
    )
    assert (scored.p_alive[expected.frequency == 0] == 1.0).all()
    assert scored.p_alive.between(0, 1).all() and (scored.predicted_clv_12m >= 0).all()


def test_a_rerun_replaces_the_snapshot_and_leaves_other_snapshots(
    warehouse: tuple[Path, pd.DataFrame],
) -> None:
    path, _ = warehouse
    earlier = date(2025, 9, 30)
    with duckdb.connect(str(path)) as conn:
        conn.execute(DDL)
        conn.execute("insert into value.customer_value values ($d, 'C0001', 0.5, 1.0, 2.0)", {"d": earlier})
        build_customer_value(conn, SNAPSHOT, Clv())
        first = conn.execute(
            "select * from value.customer_value where snapshot_date = $d", {"d": SNAPSHOT}
        ).df()
        build_customer_value(conn, SNAPSHOT, Clv(annual_discount_rate=0.5))
        counts = conn.execute(
            "select snapshot_date, count(*) from value.customer_value group by 1 order by 1"
        ).fetchall()
        models = conn.execute(
            "select distinct snapshot_date, annual_discount_rate from value.clv_models"
        ).fetchall()
        second = conn.execute(
            "select * from value.customer_value where snapshot_date = $d", {"d": SNAPSHOT}
        ).df()
    assert counts == [(earlier, 1), (SNAPSHOT, CUSTOMERS)]
    assert models == [(SNAPSHOT, 0.5)]
    merged = first.merge(second, on="customer_id").dropna()
    assert (merged.p_alive_x == merged.p_alive_y).all()  # the same fit, discounted more
    assert (merged.predicted_clv_12m_y <= merged.predicted_clv_12m_x).all()
    assert (merged.predicted_clv_12m_y < merged.predicted_clv_12m_x).any()


def test_too_few_repeat_customers_publish_null_predictions_with_a_warning(
    warehouse: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    path, _ = warehouse
    config = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    config["clv"].update(fit_sample_size=1000, min_repeat_customers=1000)
    config_path = tmp_path / "segments.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    instance = dg.DagsterInstance.ephemeral()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEGMENTS_CONFIG", str(config_path))
        result = dg.materialize(
            [customer_value],
            resources={"warehouse": Warehouse(data_dir=str(path.parent))},
            partition_key=PARTITION,
            instance=instance,
        )
    assert result.success
    materialization = result.asset_materializations_for_node("customer_value")[0]
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    assert metadata["fitted"] is False and metadata["parameters"] == {}
    assert len(metadata["warnings"]) == 1 and "repeat" in metadata["warnings"][0]
    logged = [
        record.user_message for record in instance.all_logs(result.run_id) if record.level == logging.WARNING
    ]
    assert any("CLV for 2025-12-31: no predictions" in m and "repeat" in m for m in logged), logged
    with duckdb.connect(str(path), read_only=True) as conn:
        fits = conn.execute("select model, fitted, converged, r, p, message from value.clv_models").fetchall()
        values = conn.execute(
            "select count(*), count(p_alive), count(expected_orders_90d), count(predicted_clv_12m) "
            "from value.customer_value"
        ).fetchone()
    assert [f[:5] for f in fits] == [
        ("bgnbd", False, False, None, None),
        ("gamma_gamma", False, False, None, None),
    ]
    assert all("repeat" in f[5] for f in fits)
    assert values == (CUSTOMERS, 0, 0, 0)


def test_the_shipped_config_section_is_clv_configs_defaults() -> None:
    # One home for the defaults (ClvConfig); config/segments.yml states the same values.
    assert load_config(DEFAULT_CONFIG_PATH).clv.to_clv_config() == ClvConfig()


def test_a_fit_that_did_not_converge_or_breaks_independence_is_warned_about(
    warehouse: tuple[Path, pd.DataFrame],
) -> None:
    path, _ = warehouse
    with duckdb.connect(str(path)) as conn:
        build = build_customer_value(conn, SNAPSHOT, Clv())
    assert build.models is not None
    # A clean fit first (these stand-in orders have no dropout: the real fit ends on the box).
    good = replace(
        build.models,
        bgnbd=replace(build.models.bgnbd, converged=True),
        gamma_gamma=replace(
            build.models.gamma_gamma, converged=True, extra={"spend_frequency_correlation": 0.05}
        ),
    )
    assert fit_warnings(replace(build, models=good)) == []
    bgnbd = replace(good.bgnbd, converged=False, message="ABNORMAL; on the parameter box: ['b']")
    gamma_gamma = replace(good.gamma_gamma, extra={"spend_frequency_correlation": -0.45})
    warned = fit_warnings(
        replace(build, models=replace(good, bgnbd=bgnbd, gamma_gamma=gamma_gamma), unpredicted=3)
    )
    assert len(warned) == 3 and warned[2].startswith("3 customers with an order got no finite")
    assert warned[0].startswith("bgnbd did not converge") and "parameter box" in warned[0]
    assert warned[1].startswith("gamma_gamma")


def test_a_prediction_that_is_not_finite_is_stored_as_null_and_counted(
    warehouse: tuple[Path, pd.DataFrame],
) -> None:
    path, _ = warehouse
    with duckdb.connect(str(path)) as conn:
        build = build_customer_value(conn, SNAPSHOT, Clv())
        conn.execute(
            "create temp table broken as select customer_id, "
            "case when customer_id = 'C0002' then 'nan'::double else p_alive end as p_alive, "
            "expected_orders_90d, 'inf'::double as predicted_clv_12m "
            "from value.customer_value where snapshot_date = $d and p_alive is not null",
            {"d": SNAPSHOT},
        )
        broken = conn.execute("select count(*) from broken").fetchone()[0]
        write_value(conn, SNAPSHOT, build.rows, conn.sql("select * from broken"))
        stored = (
            conn.execute("select customer_id, p_alive, predicted_clv_12m from value.customer_value")
            .df()
            .set_index("customer_id")
        )
        assert unpredicted_buyers(conn, SNAPSHOT) == broken
    assert pd.isna(stored.loc["C0002", "p_alive"]) and stored.predicted_clv_12m.isna().all()
    assert stored.p_alive.notna().sum() == broken - 1 and len(stored) == CUSTOMERS
