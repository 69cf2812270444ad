"""Predicted customer value (issue #14): BG/NBD + Gamma-Gamma fitted per snapshot, predictions for
every customer. docs/clv.md has the formulas, the units (days) and why scipy rather than a CLV library.

    models = fit_clv_models(summary, ClvConfig())       # bounded sample -> parameters + diagnostics
    models.to_frame()                                   # rows of `clv_models`
    predict_customers(summary, models)                  # p_alive, expected_orders_90d, predicted_clv_12m
    predict_in_duckdb(conn, models)                     # the same as a DuckDB query over `clv_summary`
"""

from pipelines.value.config import ClvConfig
from pipelines.value.models import ClvModels, fit_clv_models
from pipelines.value.optimise import ClvFitError, ModelFit
from pipelines.value.predict import OUTPUT_COLUMNS, predict_batches, predict_customers
from pipelines.value.sql import predict_in_duckdb
from pipelines.value.summary import ClvInputError

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
