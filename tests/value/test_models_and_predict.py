"""The snapshot entry points: input checks, the bounded sample, predictions for every customer."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipelines.value.bgnbd import expected_purchases
from pipelines.value.config import DAYS_PER_MONTH, ClvConfig
from pipelines.value.models import fit_clv_models
from pipelines.value.optimise import ClvFitError
from pipelines.value.predict import OUTPUT_COLUMNS, discounted_orders, predict_batches, predict_customers
from pipelines.value.summary import ClvInputError, fit_sample
from tests.value.simulation import simulate_bgnbd, simulate_spend

CDNOW_DAYS = {"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426}


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    sim = simulate_bgnbd(6_000, **CDNOW_DAYS, age=273.0, holdout=0.0, seed=7)
    # Whole days, as the warehouse computes them.
    recency = np.floor(sim.recency)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:05d}" for i in range(sim.frequency.size)],
            "frequency": sim.frequency,
            "recency_days": recency,
            "age_days": sim.age,
            "monetary_value": simulate_spend(sim.frequency, 6.25, 3.74, 15.44, seed=8),
        }
    )


@pytest.fixture(scope="module")
def models(summary):
    return fit_clv_models(summary, ClvConfig(sample_size=4_000))


def test_fit_uses_a_bounded_sample_and_reports_it(summary, models):
    assert models.bgnbd.sample_size == 4_000
    assert models.population == 6_000
    assert models.bgnbd.converged and models.gamma_gamma.converged
    frame = models.to_frame()
    assert list(frame["model"]) == ["bgnbd", "gamma_gamma"]
    assert {"params", "log_likelihood", "converged", "sample_size", "fit_seconds"} <= set(frame.columns)
    assert (
        frame.loc[1, "spend_frequency_correlation"] == models.gamma_gamma.extra["spend_frequency_correlation"]
    )


def test_sample_is_deterministic_and_ignores_row_order(summary):
    first = fit_sample(summary, 1_000, seed=14)
    shuffled = fit_sample(summary.sample(frac=1.0, random_state=3), 1_000, seed=14)
    assert len(first) == 1_000
    assert set(first["customer_id"]) == set(shuffled["customer_id"])
    assert set(fit_sample(summary, 1_000, seed=15)["customer_id"]) != set(first["customer_id"])
    # Smaller than the bound: everyone.
    assert len(fit_sample(summary.head(10), 1_000, seed=14)) == 10


def test_predictions_cover_every_customer_in_order(summary, models):
    out = predict_customers(summary, models)
    assert tuple(out.columns) == OUTPUT_COLUMNS
    assert list(out["customer_id"]) == list(summary["customer_id"])
    assert out.notna().all().all()
    assert out["p_alive"].between(0, 1).all()
    assert (out["expected_orders_90d"] >= 0).all() and (out["predicted_clv_12m"] >= 0).all()
    one_timers = summary["frequency"] == 0
    assert (out.loc[one_timers, "p_alive"] == 1.0).all()


def test_clv_sums_discounted_monthly_orders(summary, models):
    sub = summary.head(50)
    x, t_x, age = (sub[c].to_numpy(dtype=float) for c in ("frequency", "recency_days", "age_days"))
    bg = models.bgnbd.params
    # Without discounting the monthly increments telescope to the 12-month expectation.
    undiscounted = discounted_orders(bg, x, t_x, age, ClvConfig(annual_discount_rate=0.0))
    assert undiscounted == pytest.approx(expected_purchases(bg, 365.25, x, t_x, age), rel=1e-9)
    # With a rate, month by month per customer, written out here.
    annual = 0.3
    rate = (1 + annual) ** (1 / 12) - 1  # the monthly rate: twelve months discount by `annual`
    assert ClvConfig(annual_discount_rate=annual).monthly_discount_rate == pytest.approx(rate)
    by_hand = sum(
        (
            expected_purchases(bg, i * DAYS_PER_MONTH, x, t_x, age)
            - expected_purchases(bg, (i - 1) * DAYS_PER_MONTH, x, t_x, age)
        )
        / (1 + rate) ** i
        for i in range(1, 13)
    )
    config = ClvConfig(annual_discount_rate=annual)
    assert discounted_orders(bg, x, t_x, age, config) == pytest.approx(by_hand)
    out = predict_customers(sub, models, replace(config, margin=0.3))
    assert out["predicted_clv_12m"].to_numpy() == pytest.approx(
        0.3 * out["expected_spend_per_order"] * by_hand
    )


def test_arrow_batches_give_the_same_predictions(summary, models):
    table = pa.Table.from_pandas(summary, preserve_index=False)
    batched = pa.Table.from_batches(
        list(predict_batches(iter(table.to_batches(max_chunksize=1_000)), models))
    )
    pd.testing.assert_frame_equal(batched.to_pandas(), predict_customers(summary, models))


def test_one_customer_is_predicted_but_cannot_be_fitted_on(summary, models):
    one = summary[summary["frequency"] > 0].head(1)
    assert len(predict_customers(one, models)) == 1
    with pytest.raises(ClvFitError, match="BG/NBD: 1 of 1 customers"):
        fit_clv_models(one)


def test_all_zero_frequency_is_refused_with_the_reason(summary):
    zeros = summary.assign(frequency=0, recency_days=0.0, monetary_value=0.0)
    with pytest.raises(ClvFitError, match="have a repeat purchase"):
        fit_clv_models(zeros)


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        # Recency is measured inside the customer's age: a later last order is a bug upstream.
        ({"recency_days": 400.0}, "recency_days outside"),
        ({"age_days": 0.0}, "age_days <= 0"),
        ({"frequency": 1.5}, "not whole"),
        ({"monetary_value": np.nan}, "monetary_value null"),
    ],
)
def test_malformed_summaries_are_refused(summary, change, rule):
    broken = summary[summary["frequency"] > 0].head(30).astype({"frequency": float})
    for column, value in change.items():
        broken.loc[broken.index[:3], column] = value
    with pytest.raises(ClvInputError, match=rule):
        fit_clv_models(broken)


def test_missing_columns_are_named(summary):
    with pytest.raises(ClvInputError, match="monetary_value"):
        fit_clv_models(summary.drop(columns="monetary_value"))


def test_strong_spend_frequency_correlation_is_flagged(summary):
    skewed = summary.assign(monetary_value=summary["monetary_value"] + 40.0 * summary["frequency"])
    models = fit_clv_models(skewed, ClvConfig(sample_size=4_000))
    assert "independence assumption" in models.gamma_gamma.message
