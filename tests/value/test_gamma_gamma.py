"""Gamma-Gamma: parameter recovery, the conditional spend formula, edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.value.gamma_gamma import expected_spend, fit_gamma_gamma
from pipelines.value.optimise import ClvFitError
from tests.value.simulation import simulate_spend

# Fader, Hardie and Lee (2005, "RFM and CLV"), CDNOW: p = 6.25, q = 3.74, v = 15.44.
CDNOW = {"p": 6.25, "q": 3.74, "v": 15.44}


def _frequency(n: int, seed: int) -> np.ndarray:
    return 1 + np.random.default_rng(seed).poisson(2.0, n)


def test_fit_recovers_the_cdnow_parameters():
    x = _frequency(50_000, 1)
    m = simulate_spend(x, **CDNOW, seed=2)
    fit = fit_gamma_gamma(x, m)
    assert fit.converged, fit.message
    for name, value in CDNOW.items():
        assert fit.params[name] == pytest.approx(value, rel=0.1), name
        assert abs(fit.params[name] - value) < 4 * fit.std_errors[name], name
    # The population mean spend per order p v / (q - 1) is much better determined than p, q, v apart.
    fitted = fit.params["p"] * fit.params["v"] / (fit.params["q"] - 1)
    assert fitted == pytest.approx(6.25 * 15.44 / 2.74, rel=0.02)
    # Spend independent of frequency by construction.
    assert abs(fit.extra["spend_frequency_correlation"]) < 0.03


def test_conditional_spend_is_the_posterior_mean():
    # E[spend | x, m] is a weighted average of the population mean and the customer's own mean,
    # with weight p x / (p x + q - 1) on the customer's; checked by hand for one customer.
    p, q, v = CDNOW.values()
    population = p * v / (q - 1)
    weight = p * 4 / (p * 4 + q - 1)
    expected = weight * 50.0 + (1 - weight) * population
    assert expected_spend(CDNOW, np.array([4.0]), np.array([50.0]))[0] == pytest.approx(expected)
    # No repeat order: the population mean, whatever monetary_value holds.
    assert expected_spend(CDNOW, np.array([0.0]), np.array([999.0]))[0] == pytest.approx(population)


def test_extreme_amounts_stay_finite():
    x = _frequency(5_000, 3)
    m = simulate_spend(x, **CDNOW, seed=4)
    m[:10] = 1e9  # a few absurd orders (bulk B2B, unit errors)
    m[10:20] = 1e-3
    fit = fit_gamma_gamma(x, m)
    assert all(np.isfinite(v) and v > 0 for v in fit.params.values())
    spend = expected_spend(fit.params, x, m)
    assert np.isfinite(spend).all()
    assert spend[0] > 1e6


def test_nonpositive_spend_is_left_out_of_the_fit_and_counted():
    x = _frequency(2_000, 5)
    m = simulate_spend(x, **CDNOW, seed=6)
    m[:7] = 0.0
    m[7:9] = -12.5  # refunds netted out
    fit = fit_gamma_gamma(x, m)
    assert fit.extra["nonpositive_spend_excluded"] == 9
    assert fit.sample_size == 2_000 - 9
    assert (expected_spend(fit.params, x[:9], m[:9]) > 0).all()


def test_fit_refuses_too_few_repeat_buyers():
    with pytest.raises(ClvFitError, match="Gamma-Gamma: 0 of 3 customers"):
        fit_gamma_gamma(np.zeros(3), np.zeros(3))


def test_expected_spend_refuses_q_at_most_one():
    with pytest.raises(ClvFitError, match="q = 0.9"):
        expected_spend({"p": 2.0, "q": 0.9, "v": 10.0}, np.array([1.0]), np.array([5.0]))
