"""BG/NBD: parameter recovery, the published worked example, and unbiased predictions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import hyp2f1

from pipelines.value.bgnbd import (
    PARAMS,
    expected_purchases,
    expected_purchases_if_alive,
    fit_bgnbd,
    log_likelihood_terms,
    p_alive,
)
from pipelines.value.optimise import ClvFitError
from tests.value.simulation import simulate_bgnbd

# Fader, Hardie and Lee (2005), CDNOW sample, 39-week calibration; alpha per week.
CDNOW = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_DAYS = {**CDNOW, "alpha": CDNOW["alpha"] * 7}


@pytest.fixture(scope="module")
def simulated():
    # Days, as the pipeline feeds the model: 39 weeks of calibration, 90 days of holdout.
    return simulate_bgnbd(40_000, **CDNOW_DAYS, age=273.0, holdout=90.0, seed=20051)


def test_fit_recovers_the_cdnow_parameters(simulated):
    fit = fit_bgnbd(simulated.frequency, simulated.recency, simulated.age)
    assert fit.converged, fit.message
    for name in PARAMS:
        assert fit.params[name] == pytest.approx(CDNOW_DAYS[name], rel=0.12), name
        # The reported standard errors must be honest: the truth within 4 of them.
        assert abs(fit.params[name] - CDNOW_DAYS[name]) < 4 * fit.std_errors[name], name
    # Maximum likelihood: the fitted parameters must explain the data at least as well as the true ones.
    true_ll, _ = log_likelihood_terms(
        np.log([CDNOW_DAYS[k] for k in PARAMS]), simulated.frequency, simulated.recency, simulated.age
    )
    assert fit.log_likelihood >= true_ll.sum()
    assert fit.sample_size == 40_000


def test_gradient_matches_finite_differences(simulated):
    # Regression guard for the hand-written gradient the optimiser relies on.
    theta = np.log([0.3, 25.0, 0.9, 2.0])
    args = (simulated.frequency[:2000], simulated.recency[:2000], simulated.age[:2000])
    _, grad = log_likelihood_terms(theta, *args)
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-6
        numeric = (
            log_likelihood_terms(theta + step, *args)[0].sum()
            - log_likelihood_terms(theta - step, *args)[0].sum()
        ) / 2e-6
        assert grad[:, i].sum() == pytest.approx(numeric, rel=1e-5)


def test_published_worked_example():
    # FHL 2005 section 5: x = 2, t_x = 30.43, T = 38.86 weeks; 1.226 purchases expected in 39 weeks.
    value = expected_purchases(CDNOW, 39.0, np.array([2.0]), np.array([30.43]), np.array([38.86]))
    assert value[0] == pytest.approx(1.226, abs=5e-4)


def _fhl_eq10(params, t, x, t_x, age):
    """The paper's own form of the conditional expectation, without the Pfaff transformation."""
    r, alpha, a, b = (params[k] for k in PARAMS)
    z = t / (alpha + age + t)
    head = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + age) / (alpha + age + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    )
    odds = np.where(x > 0, a / (b + np.maximum(x, 1) - 1) * ((alpha + age) / (alpha + t_x)) ** (r + x), 0)
    return head / (1 + odds)


def test_expected_purchases_equal_the_papers_formula():
    x = np.array([0, 1, 2, 5, 20, 60], dtype=float)
    t_x = np.array([0, 10, 200, 250, 270, 100], dtype=float)
    age = np.array([5, 273, 273, 260, 273, 273], dtype=float)
    ours = expected_purchases(CDNOW_DAYS, 90.0, x, t_x, age)
    assert ours == pytest.approx(_fhl_eq10(CDNOW_DAYS, 90.0, x, t_x, age), rel=1e-9)


def test_expected_purchases_stay_finite_when_hardly_anyone_drops_out():
    # Fitted on generated data without dropout (tests/spark's population): a and b in the thousands,
    # b on the parameter box. scipy's hyp2f1 returns NaN for the Pfaff form at t/(alpha+T) > 1 (a
    # 12-month horizon for recent customers); the printed form is used there.
    params = {"r": 1.0146, "alpha": 99.226, "a": 14682.56, "b": 3269017.4}
    x = np.array([0, 1, 3, 0, 0, 8], dtype=float)
    t_x = np.array([0, 1, 9, 0, 0, 150], dtype=float)
    age = np.array([14, 22, 30, 200, 1, 300], dtype=float)
    for t in (30.4375, 90.0, 365.25):
        ours = expected_purchases(params, t, x, t_x, age)
        assert np.isfinite(ours).all()
        assert ours == pytest.approx(_fhl_eq10(params, t, x, t_x, age), rel=1e-9)
        # If alive: below the no-dropout (NBD) expectation (r + x) t / (alpha + T), and close to it.
        if_alive = expected_purchases_if_alive(params, t, x, age)
        nbd = (params["r"] + x) * t / (params["alpha"] + age)
        assert (if_alive <= nbd).all() and if_alive == pytest.approx(nbd, rel=0.1)
    yearly = expected_purchases(params, 365.25, x, t_x, age)
    assert (yearly > expected_purchases(params, 90.0, x, t_x, age)).all()


def test_predictions_are_unbiased_against_the_simulated_future(simulated):
    # At the true parameters, the mean of E[holdout purchases | history] over customers with the same
    # frequency must match the purchases they really made (law of total expectation); the same for
    # P(alive) and the share still alive at T. Tolerance: 4 standard errors of the simulated mean.
    x, t_x, age = simulated.frequency, simulated.recency, simulated.age
    predicted = expected_purchases(CDNOW_DAYS, 90.0, x, t_x, age)
    alive = p_alive(CDNOW_DAYS, x, t_x, age)
    for low, high in [(0, 0), (1, 1), (2, 3), (4, 10), (11, 10_000)]:
        group = (x >= low) & (x <= high)
        actual = simulated.holdout_purchases[group]
        se = actual.std() / np.sqrt(group.sum())
        assert abs(predicted[group].mean() - actual.mean()) < 4 * se + 1e-3, (low, high)
        truly_alive = simulated.alive_at_age[group]
        se_alive = max(truly_alive.std(), 0.01) / np.sqrt(group.sum())
        assert abs(alive[group].mean() - truly_alive.mean()) < 4 * se_alive + 1e-3, (low, high)


def test_p_alive_edge_cases():
    x = np.array([0, 1, 500, 500], dtype=float)
    t_x = np.array([0, 273, 273, 1], dtype=float)
    age = np.array([273, 273, 273, 273], dtype=float)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # a lapsed heavy buyer must not overflow
        value = p_alive(CDNOW_DAYS, x, t_x, age)
    # No repeat purchase: never seen to have had a chance to drop out.
    assert value[0] == 1.0
    # One repeat purchase on the last day: only the coin after it can have ended the customer, odds a / b.
    assert value[1] == pytest.approx(1 / (1 + CDNOW["a"] / CDNOW["b"]))
    assert value[2] > 0.99
    assert 0 <= value[3] < 1e-100


def test_expected_purchases_are_continuous_at_a_equal_one():
    # The closed form divides by a - 1; a on or next to 1 must give the neighbours' value.
    args = (90.0, np.array([3.0]), np.array([200.0]), np.array([273.0]))
    near = [expected_purchases({**CDNOW_DAYS, "a": a}, *args)[0] for a in (1 - 1e-4, 1.0, 1 + 1e-4)]
    assert near[1] == pytest.approx(near[0], rel=1e-3)
    assert near[1] == pytest.approx(near[2], rel=1e-3)


def test_fit_refuses_samples_without_repeat_buyers():
    zeros = np.zeros(1000)
    with pytest.raises(ClvFitError, match="0 of 1,000 customers"):
        fit_bgnbd(zeros, zeros, np.full(1000, 100.0))
    with pytest.raises(ClvFitError, match="at least 20"):
        fit_bgnbd(np.array([3.0]), np.array([50.0]), np.array([100.0]))


def test_predictions_match_lifetimes_reference_values():
    # Computed once with lifetimes 0.11.3 (BetaGeoFitter with params_ set to the CDNOW values, weeks),
    # `conditional_expected_number_of_purchases_up_to_time(90 / 7, ...)` and
    # `conditional_probability_alive(...)`; lifetimes is not a dependency (unmaintained since 2020).
    x = np.array([0, 1, 2, 5, 20, 60], dtype=float)
    t_x = np.array([0, 10, 200, 250, 270, 100], dtype=float) / 7
    age = np.array([5, 273, 273, 260, 273, 273], dtype=float) / 7
    lifetimes_expected = [0.469672310074612, 0.0701124208155624, 0.434609759970167,
                          1.29738089922066, 5.20367190361399, 1.14654174242272e-19]  # fmt: skip
    lifetimes_alive = [1.0, 0.201845674502404, 0.699966286527091,
                       0.870893104759043, 0.956715472931007, 7.12034517345256e-21]  # fmt: skip
    assert expected_purchases(CDNOW, 90 / 7, x, t_x, age) == pytest.approx(lifetimes_expected, rel=1e-9)
    assert p_alive(CDNOW, x, t_x, age) == pytest.approx(lifetimes_alive, rel=1e-9)
