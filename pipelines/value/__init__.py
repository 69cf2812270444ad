"""Predicted customer value (issue #14): BG/NBD + Gamma-Gamma fitted per snapshot, predictions for
every customer. docs/clv.md has the formulas, the units (days) and why scipy rather than a CLV library.

    models = fit_clv_models(summary, ClvConfig())       # bounded sample -> parameters + diagnostics
    models.to_frame()                                   # rows of `clv_models`
    predict_customers(summary, models)                  # p_alive, expected_orders_90d, predicted_clv_12m
    predict_in_duckdb(conn, models)                     # the same as a DuckDB query over `clv_summary`

The names are imported on first use: pipelines.config reads ClvConfig's defaults
(pipelines.value.config, a dataclass) and should not pull in scipy and pandas for that.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.value.config import ClvConfig
    from pipelines.value.models import ClvModels, fit_clv_models
    from pipelines.value.optimise import ClvFitError, ModelFit
    from pipelines.value.predict import OUTPUT_COLUMNS, predict_batches, predict_customers
    from pipelines.value.sql import predict_in_duckdb
    from pipelines.value.summary import ClvInputError

_MODULES = {
    "ClvConfig": "config",
    "ClvModels": "models",
    "fit_clv_models": "models",
    "ClvFitError": "optimise",
    "ModelFit": "optimise",
    "OUTPUT_COLUMNS": "predict",
    "predict_batches": "predict",
    "predict_customers": "predict",
    "predict_in_duckdb": "sql",
    "ClvInputError": "summary",
}

__all__ = [
    "OUTPUT_COLUMNS",
    "ClvConfig",
    "ClvFitError",
    "ClvInputError",
    "ClvModels",
    "ModelFit",
    "fit_clv_models",
    "predict_batches",
    "predict_customers",
    "predict_in_duckdb",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"pipelines.value.{_MODULES[name]}"), name)
