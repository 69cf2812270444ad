"""An event-by-event BG/NBD + Gamma-Gamma simulator for the tests, written apart from
pipelines.value.simulate so that parameter recovery does not check the code against itself.

Each customer draws lambda ~ Gamma(r, rate=alpha) and p ~ Beta(a, b); purchases follow one another
after Exp(lambda) gaps; after each repeat purchase a coin with probability p ends the customer's
life. The simulation runs to T + holdout and reports the calibration summary, whether each customer
is still alive at T and how many purchases fall in (T, T + holdout].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Simulated:
    frequency: np.ndarray
    recency: np.ndarray
    age: np.ndarray
    alive_at_age: np.ndarray
    holdout_purchases: np.ndarray


def simulate_bgnbd(
    n: int, r: float, alpha: float, a: float, b: float, age: float, holdout: float, seed: int
) -> Simulated:
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    drop = rng.beta(a, b, n)
    clock = np.zeros(n)
    frequency = np.zeros(n, dtype=np.int64)
    recency = np.zeros(n)
    holdout_purchases = np.zeros(n, dtype=np.int64)
    alive_at_age = np.ones(n, dtype=bool)
    active = np.arange(n)  # alive and not yet past age + holdout
    while active.size:
        clock[active] += rng.exponential(1 / lam[active])
        active = active[clock[active] < age + holdout]
        in_calibration = active[clock[active] < age]
        frequency[in_calibration] += 1
        recency[in_calibration] = clock[in_calibration]
        in_holdout = active[clock[active] >= age]
        holdout_purchases[in_holdout] += 1
        dropped = rng.random(active.size) < drop[active]
        alive_at_age[active[dropped & (clock[active] < age)]] = False
        active = active[~dropped]
    return Simulated(frequency, recency, np.full(n, float(age)), alive_at_age, holdout_purchases)


def simulate_spend(frequency: np.ndarray, p: float, q: float, v: float, seed: int) -> np.ndarray:
    """Mean of each customer's x orders, every order drawn on its own (0 where x = 0)."""
    rng = np.random.default_rng(seed)
    nu = rng.gamma(q, 1 / v, frequency.size)
    customer = np.repeat(np.arange(frequency.size), frequency)
    orders = rng.gamma(p, 1 / nu[customer])
    totals = np.bincount(customer, weights=orders, minlength=frequency.size)
    return np.where(frequency > 0, totals / np.maximum(frequency, 1), 0.0)
