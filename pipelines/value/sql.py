"""The predictions as a DuckDB query, so they run where the customers are (10M rows stream through
Arrow batches instead of a pandas frame)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from pipelines.value.bgnbd import expected_purchases_if_alive
from pipelines.value.config import DAYS_PER_MONTH, ClvConfig
from pipelines.value.models import ClvModels

PREDICTIONS_SQL = (Path(__file__).parent / "predictions.sql").read_text()


def register_clv_functions(conn: duckdb.DuckDBPyConnection, models: ClvModels, config: ClvConfig) -> None:
    """Register the two hypergeometric UDFs with this snapshot's BG/NBD parameters bound in.

    Both are Arrow-vectorised (one numpy call per batch of rows), not called per row. Registering
    again replaces them, so one connection can score several snapshots one after the other.
    """
    params = models.bgnbd.params
    discount = (1.0 + config.monthly_discount_rate) ** -np.arange(1, config.clv_months + 1)

    def orders_if_alive(t: pa.Array, x: pa.Array, age: pa.Array) -> pa.Array:
        return pa.array(expected_purchases_if_alive(params, t.to_numpy(), x.to_numpy(), age.to_numpy()))

    def discounted_orders_if_alive(x: pa.Array, age: pa.Array) -> pa.Array:
        xs, ages = x.to_numpy(), age.to_numpy()
        cumulative = [np.zeros(len(xs))] + [
            expected_purchases_if_alive(params, month * DAYS_PER_MONTH, xs, ages)
            for month in range(1, config.clv_months + 1)
        ]
        return pa.array(sum(d * (cumulative[i + 1] - cumulative[i]) for i, d in enumerate(discount)))

    double = duckdb.sqltype("DOUBLE")
    for name, function, arity in (
        ("clv_orders_if_alive", orders_if_alive, 3),
        ("clv_discounted_orders_if_alive", discounted_orders_if_alive, 2),
    ):
        with contextlib.suppress(duckdb.InvalidInputException):  # not registered yet on this connection
            conn.remove_function(name)
        conn.create_function(
            name,
            function,
            [double] * arity,
            double,
            type="arrow",
            side_effects=False,
            null_handling="special",
        )


def predict_in_duckdb(
    conn: duckdb.DuckDBPyConnection, models: ClvModels, config: ClvConfig | None = None
) -> duckdb.DuckDBPyRelation:
    """Predictions for every row of the view or table `clv_summary` on `conn`: the columns of
    pipelines.value.predict.OUTPUT_COLUMNS. The caller creates `clv_summary` (e.g. a view over the
    snapshot's RFM summary) and writes or streams the result (`.fetch_record_batch()`)."""
    config = config or ClvConfig()
    register_clv_functions(conn, models, config)
    parameters = {
        **models.bgnbd.params,
        **models.gamma_gamma.params,
        "horizon_days": config.horizon_days,
        "margin": config.margin,
    }
    return conn.sql(PREDICTIONS_SQL, params=parameters)
