"""Maximum likelihood on log-parameters with scipy's L-BFGS-B, and the diagnostics we publish."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

# Log-parameter box: exp(+-15) spans 3e-7..3e6, wide for any real data set; a parameter ending on the
# box means the likelihood kept improving towards 0 or infinity (e.g. b -> inf: nobody drops out).
LOG_BOUND = 15.0


class ClvFitError(RuntimeError):
    """The model cannot be fitted on this sample (too few repeat buyers, say); nothing is published."""


@dataclass(frozen=True)
class ModelFit:
    """One fitted model: parameters and the diagnostics of the fit.

    log_likelihood is summed over the fit sample (constants that do not depend on the parameters are
    left out, as in Fader, Hardie and Lee 2005). `converged` needs the optimiser's success, a small
    gradient and no parameter on the LOG_BOUND box. `std_errors` are asymptotic standard errors
    from the observed information (finite differences of the analytic gradient), in the
    parameters' own units: they say whether the sample size is enough for this data (NaN when the
    information matrix is singular).
    """

    model: str
    params: dict[str, float]
    log_likelihood: float
    converged: bool
    iterations: int
    gradient_norm: float
    sample_size: int
    fit_seconds: float
    message: str
    std_errors: dict[str, float] = field(default_factory=dict)
    extra: dict[str, float] = field(default_factory=dict)


def maximise(
    neg_mean_ll_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    names: Sequence[str],
    *,
    model: str,
    total_weight: float,
    sample_size: int,
) -> ModelFit:
    """Minimise the mean negative log-likelihood over log-parameters; return the fit in natural units."""
    started = time.perf_counter()
    result = minimize(
        neg_mean_ll_and_grad,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LOG_BOUND, LOG_BOUND)] * len(x0),
        options={"maxiter": 500, "ftol": 1e-13, "gtol": 1e-8},
    )
    seconds = time.perf_counter() - started
    _, grad = neg_mean_ll_and_grad(result.x)
    gradient_norm = float(np.max(np.abs(grad)))
    on_bound = [n for n, v in zip(names, result.x, strict=True) if abs(v) > LOG_BOUND - 1e-6]
    converged = bool(result.success) and gradient_norm < 1e-4 and not on_bound
    message = str(result.message)
    if on_bound:
        message += f"; on the parameter box: {on_bound}"
    errors = _standard_errors(neg_mean_ll_and_grad, result.x, total_weight)
    return ModelFit(
        model=model,
        params={n: float(np.exp(v)) for n, v in zip(names, result.x, strict=True)},
        log_likelihood=float(-result.fun * total_weight),
        converged=converged,
        iterations=int(result.nit),
        gradient_norm=gradient_norm,
        sample_size=sample_size,
        fit_seconds=seconds,
        message=message,
        std_errors={n: float(e) for n, e in zip(names, errors, strict=True)},
    )


def _standard_errors(
    neg_mean_ll_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    log_params: np.ndarray,
    total_weight: float,
    step: float = 1e-5,
) -> np.ndarray:
    """Delta-method standard errors exp(theta) * sqrt(diag(H^-1)), H the Hessian of the summed
    negative log-likelihood in log-parameters by central differences of the gradient."""
    k = len(log_params)
    hessian = np.empty((k, k))
    for i in range(k):
        shift = np.zeros(k)
        shift[i] = step
        hessian[i] = (
            neg_mean_ll_and_grad(log_params + shift)[1] - neg_mean_ll_and_grad(log_params - shift)[1]
        ) / (2 * step)
    hessian = (hessian + hessian.T) / 2 * total_weight
    try:
        variance = np.diag(np.linalg.inv(hessian))
    except np.linalg.LinAlgError:
        return np.full(k, np.nan)
    return np.exp(log_params) * np.sqrt(np.where(variance > 0, variance, np.nan))
