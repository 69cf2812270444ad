"""The warehouse side of the predicted value: the per-customer summary as of D (from the dbt model that
already applies the order rules), the fit sample, and the tables of schema `value` the history dbt
step reads as sources (`source('value', ...)`)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from pipelines.value.config import ClvConfig
from pipelines.value.models import ClvModels

DDL = """
create schema if not exists value;
create table if not exists value.clv_models (
    snapshot_date date not null,
    model varchar not null,
    fitted boolean not null,
    converged boolean not null,
    r double,
    alpha double,
    a double,
    b double,
    p double,
    q double,
    v double,
    r_std_error double,
    alpha_std_error double,
    a_std_error double,
    b_std_error double,
    p_std_error double,
    q_std_error double,
    v_std_error double,
    log_likelihood double,
    iterations integer,
    gradient_norm double,
    sample_size integer not null,
    population integer not null,
    repeat_customers integer not null,
    spend_frequency_correlation double,
    fit_seconds double,
    message varchar not null,
    horizon_days double not null,
    clv_months integer not null,
    annual_discount_rate double not null,
    margin double not null
);
create table if not exists value.customer_value (
    snapshot_date date not null,
    customer_id varchar not null,
    p_alive double,
    expected_orders_90d double,
    predicted_clv_12m double
);
"""

MODELS = ("bgnbd", "gamma_gamma")
PREDICTED = ("p_alive", "expected_orders_90d", "predicted_clv_12m")
PARAMETERS = {"bgnbd": ("r", "alpha", "a", "b"), "gamma_gamma": ("p", "q", "v")}
# The snapshot's customers (one row each): the dbt model every later customer model starts from. Not a
# mart: the predictions are features of the rules (int_customers_features joins them), so this step
# runs between the cleaned inputs and the scores.
POPULATION_MODEL = "int_customers_cleaned"
POPULATION = f"intermediate.{POPULATION_MODEL}"

# One row per customer with a completed order on or before D (pipelines/value/summary.py has the
# columns). The orders are int_orders_outliers_flagged's: the snapshot's customers, each order in its
# latest version as of D, `is_completed` as staging defines it; nothing is re-derived here. Days are
# whole calendar days, an order counting as made at the start of its day and the period ending at
# the end of D: t_x = last - first order date, T = D + 1 - first order date (a first order on D
# gives T = 1). The first order of a day is the earliest ordered_at (then order_id).
SUMMARY_SQL = """
create or replace temp table clv_summary as
with orders as (
    select customer_id, order_id, ordered_at, order_date, amount
    from intermediate.int_orders_outliers_flagged
    where is_completed
),
per_customer as (
    select
        customer_id,
        count(*) - 1 as frequency,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        sum(amount) - arg_min(amount, {'at': ordered_at, 'id': order_id}) as repeat_spend
    from orders
    group by customer_id
)
select
    customer_id,
    cast(frequency as double) as frequency,
    cast(date_diff('day', first_order_date, last_order_date) as double) as recency_days,
    cast(date_diff('day', first_order_date, $as_of) + 1 as double) as age_days,
    cast(repeat_spend as double) / nullif(frequency, 0) as monetary_value
from per_customer
"""

# The fit sample: the first customers by an MD5 hash of the seed and customer_id (the same customers
# for the same data and seed, a spread of them whatever the id scheme), as the k-means samples.
SAMPLE_SQL = """
select customer_id, frequency, recency_days, age_days, monetary_value
from clv_summary
order by md5('clv' || $seed || ':' || customer_id), customer_id
limit $size
"""


def build_summary(conn: duckdb.DuckDBPyConnection, snapshot: date) -> tuple[int, int]:
    """(Re)create the temp table `clv_summary` for D; returns (customers with a completed order,
    customers of the snapshot)."""
    conn.execute(SUMMARY_SQL, {"as_of": snapshot})
    buyers = conn.execute("select count(*) from clv_summary").fetchone()[0]
    population = conn.execute(f"select count(*) from {POPULATION}").fetchone()[0]
    return int(buyers), int(population)


def read_fit_sample(conn: duckdb.DuckDBPyConnection, config: ClvConfig) -> pd.DataFrame:
    """The fit sample of `clv_summary`: at most config.sample_size customers, in DuckDB, so that the
    whole summary never becomes a pandas frame."""
    return conn.execute(SAMPLE_SQL, {"seed": config.sample_seed, "size": config.sample_size}).df()


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def model_rows(
    snapshot: date,
    models: ClvModels | None,
    config: ClvConfig,
    *,
    sample_size: int,
    population: int,
    repeat_customers: int,
    error: str | None = None,
) -> list[dict[str, Any]]:
    """The snapshot's rows of value.clv_models (one per model); without models (the fit was refused),
    both rows say why, with null parameters."""
    settings = {
        "horizon_days": config.horizon_days,
        "clv_months": config.clv_months,
        "annual_discount_rate": config.annual_discount_rate,
        "margin": config.margin,
    }
    rows = []
    for name in MODELS:
        row: dict[str, Any] = {
            "snapshot_date": snapshot,
            "model": name,
            **{p: None for params in PARAMETERS.values() for p in params},
            **{f"{p}_std_error": None for params in PARAMETERS.values() for p in params},
            "sample_size": sample_size,
            "population": population,
            "repeat_customers": repeat_customers,
        }
        if models is None:
            row |= {"fitted": False, "converged": False, "message": error or "not fitted"}
        else:
            fit = models.bgnbd if name == "bgnbd" else models.gamma_gamma
            row |= {p: fit.params[p] for p in PARAMETERS[name]}
            row |= {f"{p}_std_error": _number(fit.std_errors.get(p)) for p in PARAMETERS[name]}
            row |= {
                "fitted": True,
                "converged": fit.converged,
                "log_likelihood": fit.log_likelihood,
                "iterations": fit.iterations,
                "gradient_norm": fit.gradient_norm,
                "sample_size": fit.sample_size,
                "spend_frequency_correlation": _number(fit.extra.get("spend_frequency_correlation")),
                "fit_seconds": fit.fit_seconds,
                "message": fit.message,
            }
        rows.append(row | settings)
    return rows


def unpredicted_buyers(conn: duckdb.DuckDBPyConnection, snapshot: date) -> int:
    """Customers with a completed order (in clv_summary) whose predictions are null for `snapshot`."""
    condition = " or ".join(f"scored.{c} is null" for c in PREDICTED)
    return conn.execute(
        "select count(*) from clv_summary join value.customer_value as scored using (customer_id) "
        f"where scored.snapshot_date = $d and ({condition})",
        {"d": snapshot},
    ).fetchone()[0]


def write_value(
    conn: duckdb.DuckDBPyConnection,
    snapshot: date,
    rows: list[dict[str, Any]],
    predictions: duckdb.DuckDBPyRelation | None,
) -> None:
    """Replace the snapshot's rows of both tables in one transaction: a row per model, and a row per
    customer of the snapshot (POPULATION; null predictions for customers without a completed order, and
    for everyone when there are no `predictions`)."""
    conn.execute(DDL)
    conn.execute("begin transaction")
    try:
        for table in ("clv_models", "customer_value"):
            conn.execute(f"delete from value.{table} where snapshot_date = ?", [snapshot])
        for row in rows:
            columns = ", ".join(row)
            marks = ", ".join("?" * len(row))
            conn.execute(f"insert into value.clv_models ({columns}) values ({marks})", list(row.values()))
        if predictions is not None:
            # A value the functions could not evaluate (NaN, inf) is stored as null, never published
            # as NaN; build_customer_value counts and warns about such customers.
            predictions.project(
                f"DATE '{snapshot.isoformat()}' as snapshot_date, customer_id, "
                + ", ".join(f"case when isfinite({c}) then {c} end as {c}" for c in PREDICTED)
            ).insert_into("value.customer_value")
        conn.execute(
            "insert into value.customer_value (snapshot_date, customer_id) "
            f"select $d, customer_id from {POPULATION} as customers where not exists "
            "(select 1 from value.customer_value as scored where scored.snapshot_date = $d "
            "and scored.customer_id = customers.customer_id)",
            {"d": snapshot},
        )
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
