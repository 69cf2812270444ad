"""Synthetic per-customer summaries drawn from known BG/NBD and Gamma-Gamma parameters.

Used by the benchmark (`bench/clv_bench.py`) and for demonstrations; the tests keep a simulator of
their own so that parameter recovery does not check the code against itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate_summary(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    age_days: float | np.ndarray,
    p: float | None = None,
    q: float | None = None,
    v: float | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Draw an RFM summary (`frequency`, `recency_days`, `age_days`, `monetary_value`) per customer.

    BG/NBD: purchase rate lambda ~ Gamma(r, rate=alpha) per day, purchases are Poisson, and after each
    repeat purchase the customer drops out with probability p_drop ~ Beta(a, b). The repeat purchases
    seen by `age_days` are min(K, N) with K ~ Geometric(p_drop) and N ~ Poisson(lambda * age); given N
    the purchase times are uniform, so the time of the x-th one is age * Beta(x, N - x + 1).
    Gamma-Gamma (when p, q, v are given): nu ~ Gamma(q, rate=v), each order ~ Gamma(p, rate=nu), and
    `monetary_value` is the mean of the x repeat orders (0 for x = 0).
    """
    rng = np.random.default_rng(seed)
    age = np.broadcast_to(np.asarray(age_days, dtype=float), (n_customers,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, n_customers)
    p_drop = rng.beta(a, b, n_customers)
    dropout_after = rng.geometric(p_drop)
    purchases = rng.poisson(lam * age)
    x = np.minimum(dropout_after, purchases)
    has = x > 0
    recency = np.zeros(n_customers)
    recency[has] = age[has] * rng.beta(x[has], purchases[has] - x[has] + 1)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(n_customers, dtype=np.int64),
            "frequency": x.astype(np.int64),
            "recency_days": recency,
            "age_days": age,
        }
    )
    if p is not None and q is not None and v is not None:
        nu = rng.gamma(q, 1.0 / v, n_customers)
        total = np.zeros(n_customers)
        total[has] = rng.gamma(p * x[has], 1.0 / nu[has])
        frame["monetary_value"] = np.where(has, total / np.maximum(x, 1), 0.0)
    return frame
