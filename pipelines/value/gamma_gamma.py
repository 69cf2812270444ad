"""Gamma-Gamma spend model (Fader, Hardie and Lee 2005, "RFM and CLV"; Colombo and Jiang 1999):
likelihood, fit and the conditional expected spend per order.

Each order of a customer is Gamma(p, rate=nu) with nu ~ Gamma(q, rate=v) across customers, so the
mean m of x repeat orders is Gamma(p x, rate=nu x). The model assumes spend per order independent
of the number of orders; the fit reports their correlation in the sample to check it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.special import digamma, gammaln

from pipelines.value.optimise import ClvFitError, ModelFit, maximise

PARAMS = ("p", "q", "v")


def log_likelihood_terms(
    log_params: np.ndarray, x: np.ndarray, m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer log-likelihood of the mean spend m over x > 0 orders and its log-parameter gradient."""
    p, q, v = np.exp(log_params)
    px = p * x
    log_total = np.log(x * m + v)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_total
    )
    psi = digamma(px + q)
    d_p = x * (psi - digamma(px) + np.log(m) + np.log(x) - log_total)
    d_q = psi - digamma(q) + np.log(v) - log_total
    d_v = q / v - (px + q) / (x * m + v)
    return ll, np.column_stack([d_p * p, d_q * q, d_v * v])


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray, *, min_repeat_customers: int = 20) -> ModelFit:
    """Maximum-likelihood Gamma-Gamma on the customers with x > 0 and a positive mean spend m.

    Customers with x > 0 and m <= 0 (refunds netted out) cannot come from the model and are left out
    of the fit (counted in `extra["nonpositive_spend_excluded"]`). Raises ClvFitError with fewer than
    `min_repeat_customers` usable customers.
    """
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    repeat = x > 0
    usable = repeat & (m > 0)
    n = int(usable.sum())
    if n < min_repeat_customers:
        raise ClvFitError(
            f"Gamma-Gamma: {n} of {len(x):,} customers in the fit sample have a repeat order with a "
            f"positive mean spend; at least {min_repeat_customers} are needed"
        )
    xs, ms = x[usable], m[usable]

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        ll, grad = log_likelihood_terms(log_params, xs, ms)
        return float(-ll.mean()), -grad.mean(axis=0)

    # Start at p = 1 and v / (q - 1) matching the mean spend with q = 2: the method-of-moments scale.
    x0 = np.log([1.0, 2.0, float(np.mean(ms))])
    fit = maximise(objective, x0, PARAMS, model="gamma_gamma", total_weight=n, sample_size=n)
    corr = float(np.corrcoef(xs, ms)[0, 1]) if n > 1 and np.std(xs) > 0 and np.std(ms) > 0 else 0.0
    return replace(
        fit,
        extra={
            "spend_frequency_correlation": corr,
            "nonpositive_spend_excluded": float((repeat & ~(m > 0)).sum()),
        },
    )


def expected_spend(params: dict[str, float], x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """E[spend per order | x, m] = p (v + x m) / (p x + q - 1); x = 0 gives the population mean p v / (q - 1).

    Needs q > 1 (the population mean exists); m <= 0 is treated as 0 (the formula's lower bound).
    """
    p, q, v = (params[k] for k in PARAMS)
    if q <= 1:
        raise ClvFitError(f"Gamma-Gamma: q = {q:.4g} <= 1, the mean spend per order does not exist")
    x = np.asarray(x, dtype=float)
    m = np.where(x > 0, np.clip(np.nan_to_num(np.asarray(m, dtype=float)), 0.0, None), 0.0)
    return p * (v + x * m) / (p * x + q - 1)
