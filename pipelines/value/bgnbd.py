"""BG/NBD (Fader, Hardie and Lee 2005, "Counting your customers the easy way"): likelihood, fit and
the closed-form predictions p_alive and conditional expected purchases.

Purchase rate lambda ~ Gamma(r, rate=alpha) (alpha in days), dropout probability after each repeat
purchase p ~ Beta(a, b). Inputs x (repeat purchases), t_x (recency) and T (age) are in days.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1

from pipelines.value.optimise import ClvFitError, ModelFit, maximise

PARAMS = ("r", "alpha", "a", "b")


def _compress(x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> tuple[np.ndarray, ...]:
    """Unique (x, t_x, T) rows with their counts: integer-day data shrinks by orders of magnitude."""
    rows, counts = np.unique(np.column_stack([x, t_x, age]), axis=0, return_counts=True)
    return rows[:, 0], rows[:, 1], rows[:, 2], counts.astype(float)


def log_likelihood_terms(
    log_params: np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row log-likelihood (FHL 2005 eq. 6) and its gradient with respect to the log-parameters."""
    r, alpha, a, b = np.exp(log_params)
    repeat = x > 0
    log_alpha_t = np.log(alpha + age)
    log_alpha_tx = np.log(alpha + t_x)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * log_alpha_t
    b_x1 = np.where(repeat, b + x - 1, 1.0)
    a4 = np.where(repeat, np.log(a) - np.log(b_x1) - (r + x) * log_alpha_tx, -np.inf)
    mix = np.logaddexp(a3, a4)
    ll = a1 + a2 + mix
    w = np.exp(a4 - mix)  # weight of the "dropped out after the last purchase" branch
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - (1 - w) * log_alpha_t - w * log_alpha_tx
    d_alpha = r / alpha - (1 - w) * (r + x) / (alpha + age) - w * (r + x) / (alpha + t_x)
    psi_ab = digamma(a + b)
    psi_abx = digamma(a + b + x)
    d_a = psi_ab - psi_abx + w / a
    d_b = psi_ab + digamma(b + x) - digamma(b) - psi_abx - np.where(repeat, w / b_x1, 0.0)
    grad = np.column_stack([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return ll, grad


def fit_bgnbd(x: np.ndarray, t_x: np.ndarray, age: np.ndarray, *, min_repeat_customers: int = 20) -> ModelFit:
    """Maximum-likelihood BG/NBD on the given customers (arrays in days).

    Raises ClvFitError when fewer than `min_repeat_customers` have a repeat purchase: with none the
    likelihood has no maximum (all-zero frequency drives r/alpha to 0 and leaves a, b unidentified).
    """
    x = np.asarray(x, dtype=float)
    repeaters = int((x > 0).sum())
    if repeaters < min_repeat_customers:
        raise ClvFitError(
            f"BG/NBD: {repeaters} of {len(x):,} customers in the fit sample have a repeat purchase; "
            f"at least {min_repeat_customers} are needed (ClvConfig.min_repeat_customers)"
        )
    ux, ut, ua, weight = _compress(x, np.asarray(t_x, dtype=float), np.asarray(age, dtype=float))
    total = weight.sum()

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        ll, grad = log_likelihood_terms(log_params, ux, ut, ua)
        return float(-(weight @ ll) / total), -(weight @ grad) / total

    # Start from r = a = b = 1 and the alpha that matches the mean purchase rate, r / alpha.
    rate = max(x.mean(), 1e-3) / max(float(np.mean(age)), 1e-3)
    x0 = np.log([1.0, 1.0 / rate, 1.0, 1.0])
    fit = maximise(objective, x0, PARAMS, model="bgnbd", total_weight=total, sample_size=len(x))
    return replace(fit, extra={"repeat_customers": float(repeaters), "distinct_rows": float(len(ux))})


def p_alive(params: dict[str, float], x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
    """P(still active at T | x, t_x, T), FHL 2005 eq. 11:
    1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))."""
    r, alpha, a, b = (params[k] for k in PARAMS)
    x = np.asarray(x, dtype=float)
    repeat = x > 0
    log_odds = (
        np.log(a)
        - np.log(np.where(repeat, b + x - 1, 1.0))
        + (r + x) * (np.log(alpha + age) - np.log(alpha + t_x))
    )
    # 1 / (1 + e^z) without overflow for z in the hundreds (long-lapsed heavy buyers).
    return np.where(repeat, np.exp(-np.logaddexp(0.0, log_odds)), 1.0)


def expected_purchases_if_alive(
    params: dict[str, float], t: float | np.ndarray, x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """E[purchases in (T, T + t] | x, T, alive at T]: FHL 2005 eq. 10 without its p_alive factor.

    FHL write the hypergeometric part as ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z) with
    z = t/(alpha+T+t). Pfaff's transformation turns it into 2F1(r+x, a-1; a+b+x-1; -t/(alpha+T)),
    one scipy.special.hyp2f1 call per customer whose power prefactor can no longer overflow. It does
    not depend on t_x. The formula has a - 1 in a denominator; a within 1e-9 of 1 is moved off it
    (the expectation is continuous in a).

    scipy's hyp2f1 returns NaN for the Pfaff form in part of z < -1 when a and b are large (a fit
    where hardly anyone drops out: a, b in the thousands, t/(alpha+T) > 1, e.g. a 12-month horizon
    for a new customer). There the printed form, whose z is in [0, 1), is evaluated instead (the two
    agree to ~1e-13 where both are finite; tests/value/test_bgnbd.py).
    """
    r, alpha, a, b = (params[k] for k in PARAMS)
    if abs(a - 1.0) < 1e-9:
        a = 1.0 + 1e-9
    x = np.asarray(x, dtype=float)
    age = np.asarray(age, dtype=float)
    hyp = hyp2f1(r + x, a - 1.0, a + b + x - 1.0, -t / (alpha + age))
    failed = ~np.isfinite(hyp)
    if np.any(failed):
        x_f, age_f = np.broadcast_to(x, hyp.shape)[failed], np.broadcast_to(age, hyp.shape)[failed]
        t_f = np.broadcast_to(np.asarray(t, dtype=float), hyp.shape)[failed]
        hyp = np.array(hyp, dtype=float)
        hyp[failed] = np.exp((r + x_f) * np.log((alpha + age_f) / (alpha + age_f + t_f))) * hyp2f1(
            r + x_f, b + x_f, a + b + x_f - 1.0, t_f / (alpha + age_f + t_f)
        )
    return (a + b + x - 1.0) / (a - 1.0) * (1.0 - hyp)


def expected_purchases(
    params: dict[str, float], t: float, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T] (FHL 2005 eq. 10), vectorised: the expectation if alive
    times p_alive."""
    return expected_purchases_if_alive(params, t, x, age) * p_alive(params, x, t_x, age)
