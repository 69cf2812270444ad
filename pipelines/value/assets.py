"""`value/clv_models` and `value/customer_value`: BG/NBD + Gamma-Gamma fitted per quarter on a sample,
every customer scored in DuckDB.

Summary as of D from the completed orders of int_orders_outliers_flagged (store.py) -> fit on a
bounded hash sample (models.py) -> predictions as a DuckDB query (sql.py) -> both tables replaced in
one transaction (store.py) -> metadata. dbt reads both tables as sources: int_customers_features
joins the predictions (segment and tag rules may use p_alive; they reach dim_customers and
segment_history from there) and history's `clv_models` publishes the fits. So this asset sits between
the cleaned inputs and the scores in the asset graph, and Dagster splits the dbt models around it.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import dagster as dg
import duckdb

from pipelines.config import load_config
from pipelines.config.model import Clv
from pipelines.partitions import QUARTERLY, partition_quarter, tag_run
from pipelines.resources import Warehouse
from pipelines.transform.dbt import model_key
from pipelines.value.config import ClvConfig
from pipelines.value.models import ClvModels, fit_clv_models
from pipelines.value.optimise import ClvFitError
from pipelines.value.sql import predict_in_duckdb
from pipelines.value.store import (
    PARAMETERS,
    POPULATION_MODEL,
    build_summary,
    model_rows,
    read_fit_sample,
    unpredicted_buyers,
    write_value,
)

MODELS = dg.AssetKey(["value", "clv_models"])
CUSTOMER_VALUE = dg.AssetKey(["value", "customer_value"])


@dataclass(frozen=True)
class ValueBuild:
    """What one snapshot's build did: the fitted models (None when the fit was refused, `error` says
    why), the rows of value.clv_models, and the customer counts."""

    models: ClvModels | None
    rows: list[dict[str, Any]]
    population: int  # customers of the snapshot (rows of value.customer_value)
    buyers: int  # customers with a completed order on or before D (the ones predicted)
    sample_size: int
    repeat_customers: int  # customers of the sample with a repeat order
    error: str | None
    config: ClvConfig
    unpredicted: int = 0  # customers with an order left without a finite prediction


def build_customer_value(conn: duckdb.DuckDBPyConnection, snapshot: date, settings: Clv) -> ValueBuild:
    """Fit the snapshot's models on a sample of the customers with a completed order, score every
    customer, and replace the snapshot's rows of value.clv_models and value.customer_value.

    Too few repeat customers to fit (ClvFitError) is not a failure: both model rows record why, and
    every customer gets null predictions.
    """
    config = settings.to_clv_config()
    buyers, population = build_summary(conn, snapshot)
    sample = read_fit_sample(conn, config)
    repeat_customers = int((sample["frequency"] > 0).sum())
    models, predictions, error = None, None, None
    try:
        models = replace(fit_clv_models(sample, config), population=buyers)
        q = models.gamma_gamma.params["q"]
        if q <= 1:  # the SQL form does not check what the numpy one refuses
            raise ClvFitError(f"Gamma-Gamma: q = {q:.4g} <= 1, the mean spend per order does not exist")
        predictions = predict_in_duckdb(conn, models, config)
    except ClvFitError as exc:
        models, error = None, str(exc)
    rows = model_rows(
        snapshot,
        models,
        config,
        sample_size=len(sample),
        population=buyers,
        repeat_customers=repeat_customers,
        error=error,
    )
    write_value(conn, snapshot, rows, predictions)
    unpredicted = unpredicted_buyers(conn, snapshot) if models is not None else 0
    return ValueBuild(
        models, rows, population, buyers, len(sample), repeat_customers, error, config, unpredicted
    )


def fit_warnings(build: ValueBuild) -> list[str]:
    """One line per thing a reader of the run should look at (refused fit, no convergence, the
    Gamma-Gamma independence warning)."""
    if build.models is None:
        return [f"no predictions: {build.error}"]
    found = [
        f"{fit.model} did not converge: {fit.message}"
        for fit in (build.models.bgnbd, build.models.gamma_gamma)
        if not fit.converged
    ]
    correlation = build.models.gamma_gamma.extra.get("spend_frequency_correlation", 0.0)
    if abs(correlation) > build.config.max_spend_frequency_correlation:
        found.append(f"gamma_gamma: {build.models.gamma_gamma.message}")
    if build.unpredicted:
        found.append(f"{build.unpredicted:,} customers with an order got no finite prediction (null)")
    return found


# The dbt models the fit reads. The marts read the predictions back (int_customers_features joins
# source value.customer_value, so that segment and tag rules can use p_alive): Dagster runs the dbt
# models in two steps of the same run, those before this asset and those after it.
_INPUTS = [model_key(m) for m in ("int_orders_outliers_flagged", POPULATION_MODEL)]


# Subsettable, as insight/cluster_centroids: a non-subsettable multi-asset downstream of partitioned
# assets breaks the UI's "Materialize all". Both tables come from one fit, so a subset still writes
# both and reports the selected ones.
@dg.multi_asset(
    can_subset=True,
    specs=[
        dg.AssetSpec(
            key=key, deps=_INPUTS, description=description, group_name="value", kinds={"duckdb", "scipy"}
        )
        for key, description in (
            (MODELS, "BG/NBD and Gamma-Gamma fitted on a sample of the quarter: parameters, diagnostics."),
            (
                CUSTOMER_VALUE,
                "p_alive, expected_orders_90d, predicted_clv_12m of every customer of the quarter.",
            ),
        )
    ],
    **QUARTERLY,
    pool="duckdb",
)
def customer_value(context: dg.AssetExecutionContext, warehouse: Warehouse) -> Iterator[dg.MaterializeResult]:
    """Fit the quarter's CLV models on a sample and predict for every customer, for dbt to publish."""
    tag_run(context)
    snapshot = partition_quarter(context).as_of
    settings = load_config().clv
    started = time.monotonic()
    with warehouse.connect() as conn:
        build = build_customer_value(conn, snapshot, settings)
    seconds = round(time.monotonic() - started, 2)
    warnings = fit_warnings(build)
    for warning in warnings:
        context.log.warning(f"CLV for {snapshot}: {warning}")
    parameters = {
        row["model"]: {p: row[p] for p in PARAMETERS[row["model"]]} for row in build.rows if row["fitted"]
    }
    context.log.info(
        f"CLV for {snapshot}: fitted on {build.sample_size:,} of {build.buyers:,} customers with an order "
        f"({build.repeat_customers:,} repeat) in {seconds} s; parameters {parameters or 'none'}"
    )
    metadata = {
        "snapshot_date": snapshot.isoformat(),
        "fitted": build.models is not None,
        "parameters": parameters,
        "converged": {row["model"]: row["converged"] for row in build.rows},
        "sample_size": build.sample_size,
        "repeat_customers": build.repeat_customers,
        "customers_with_orders": build.buyers,
        "population": build.population,
        "annual_discount_rate": build.config.annual_discount_rate,
        "warnings": warnings,
        "seconds": seconds,
    }
    results = {
        MODELS: {**metadata, "dagster/row_count": len(build.rows)},
        CUSTOMER_VALUE: {**metadata, "dagster/row_count": build.population},
    }
    for key in context.selected_asset_keys:
        yield dg.MaterializeResult(asset_key=key, metadata=results[key])


defs = dg.Definitions(assets=dg.with_source_code_references([customer_value]))
