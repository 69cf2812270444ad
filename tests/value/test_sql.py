"""The DuckDB form of the predictions equals the numpy one."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.value.config import ClvConfig
from pipelines.value.models import fit_clv_models
from pipelines.value.predict import OUTPUT_COLUMNS, predict_customers
from pipelines.value.sql import predict_in_duckdb
from tests.value.simulation import simulate_bgnbd, simulate_spend


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    sim = simulate_bgnbd(3_000, 0.243, 30.9, 0.793, 2.426, age=273.0, holdout=0.0, seed=11)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(sim.frequency.size),
            "frequency": sim.frequency,
            "recency_days": np.floor(sim.recency),
            "age_days": sim.age,
            "monetary_value": simulate_spend(sim.frequency, 6.25, 3.74, 15.44, seed=12),
        }
    )
    # Awkward rows: a lapsed heavy buyer (p_alive underflows), a refund-netted mean, a null mean of a
    # one-time buyer.
    frame.loc[0, ["frequency", "recency_days", "monetary_value"]] = [400, 1.0, 25.0]
    frame.loc[1, ["frequency", "recency_days", "monetary_value"]] = [2, 100.0, -5.0]
    frame.loc[2, ["frequency", "recency_days", "monetary_value"]] = [0, 0.0, np.nan]
    return frame


@pytest.mark.parametrize("config", [ClvConfig(), ClvConfig(annual_discount_rate=0.8, margin=0.25)])
def test_duckdb_predictions_equal_numpy(summary, config):
    models = fit_clv_models(summary.iloc[3:], config)
    expected = predict_customers(summary, models, config)
    with duckdb.connect() as conn:
        conn.register("clv_summary", summary)
        got = predict_in_duckdb(conn, models, config).df().sort_values("customer_id", ignore_index=True)
        # Registering the functions again (next snapshot on the same connection) must work.
        again = predict_in_duckdb(conn, models, config).df()
    assert tuple(got.columns) == OUTPUT_COLUMNS
    assert len(again) == len(summary)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-10, atol=1e-300)
