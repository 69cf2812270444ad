"""Fit both models for one snapshot: BG/NBD on a bounded sample, Gamma-Gamma on its repeat buyers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import pandas as pd

from pipelines.value.bgnbd import fit_bgnbd
from pipelines.value.config import ClvConfig
from pipelines.value.gamma_gamma import fit_gamma_gamma
from pipelines.value.optimise import ModelFit
from pipelines.value.summary import fit_sample, validate_summary


@dataclass(frozen=True)
class ClvModels:
    """The fitted pair a snapshot's predictions are made with."""

    bgnbd: ModelFit
    gamma_gamma: ModelFit
    population: int

    def to_frame(self) -> pd.DataFrame:
        """One row per model, the grain of `clv_models` (snapshot_date is added by the caller).

        `params` and `extra` stay dicts (DuckDB MAP/STRUCT or JSON, the publisher's choice); the
        Gamma-Gamma independence check is also a column of its own.
        """
        rows = []
        for fit in (self.bgnbd, self.gamma_gamma):
            row = asdict(fit)
            row["population"] = self.population
            row["spend_frequency_correlation"] = fit.extra.get("spend_frequency_correlation")
            rows.append(row)
        return pd.DataFrame(rows)


def fit_clv_models(summary: pd.DataFrame, config: ClvConfig | None = None) -> ClvModels:
    """Validate the summary (see pipelines.value.summary), draw the sample, fit both models.

    Raises ClvInputError for a malformed summary and ClvFitError when a model cannot be fitted
    (e.g. no repeat buyers); the caller records that instead of publishing predictions.
    """
    config = config or ClvConfig()
    validate_summary(summary, need_monetary=True)
    sample = fit_sample(summary, config.sample_size, config.sample_seed)
    x = sample["frequency"].to_numpy(dtype=float)
    bgnbd = fit_bgnbd(
        x,
        sample["recency_days"].to_numpy(dtype=float),
        sample["age_days"].to_numpy(dtype=float),
        min_repeat_customers=config.min_repeat_customers,
    )
    gamma_gamma = fit_gamma_gamma(
        x, sample["monetary_value"].to_numpy(dtype=float), min_repeat_customers=config.min_repeat_customers
    )
    corr = gamma_gamma.extra["spend_frequency_correlation"]
    if abs(corr) > config.max_spend_frequency_correlation:
        gamma_gamma = _with_message(
            gamma_gamma,
            f"spend-frequency correlation {corr:.3f} exceeds {config.max_spend_frequency_correlation}: "
            "Gamma-Gamma's independence assumption is doubtful",
        )
    return ClvModels(bgnbd=bgnbd, gamma_gamma=gamma_gamma, population=len(summary))


def _with_message(fit: ModelFit, note: str) -> ModelFit:
    return replace(fit, message=f"{fit.message}; {note}")
