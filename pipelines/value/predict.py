"""Per-customer predictions for every customer, vectorised: p_alive, expected orders, 12-month CLV."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines.value.bgnbd import expected_purchases, expected_purchases_if_alive, p_alive
from pipelines.value.config import DAYS_PER_MONTH, ClvConfig
from pipelines.value.gamma_gamma import expected_spend
from pipelines.value.models import ClvModels
from pipelines.value.summary import validate_summary

OUTPUT_COLUMNS = (
    "customer_id",
    "p_alive",
    "expected_orders_90d",
    "expected_spend_per_order",
    "predicted_clv_12m",
)


def discounted_orders(
    bgnbd_params: dict[str, float], x: np.ndarray, t_x: np.ndarray, age: np.ndarray, config: ClvConfig
) -> np.ndarray:
    """Sum over months i = 1..clv_months of the expected orders in month i divided by (1 + rate) ** i.

    The expectation if alive depends on (x, T) only, so it is evaluated on the distinct (x, T) pairs
    (few when ages are whole days) and the p_alive factor, which needs t_x, per customer.
    """
    pairs, inverse = np.unique(np.column_stack([x, age]), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    ux, ua = pairs[:, 0], pairs[:, 1]
    previous = np.zeros(len(ux))
    total = np.zeros(len(ux))
    for month in range(1, config.clv_months + 1):
        cumulative = expected_purchases_if_alive(bgnbd_params, month * DAYS_PER_MONTH, ux, ua)
        total += (cumulative - previous) / (1.0 + config.monthly_discount_rate) ** month
        previous = cumulative
    return total[inverse] * p_alive(bgnbd_params, x, t_x, age)


def predict_customers(
    summary: pd.DataFrame, models: ClvModels, config: ClvConfig | None = None
) -> pd.DataFrame:
    """One row per customer of `summary` (same order): the OUTPUT_COLUMNS.

    predicted_clv_12m = margin * expected spend per order (Gamma-Gamma) * discounted expected orders
    over clv_months months (BG/NBD), in the currency of monetary_value.
    """
    config = config or ClvConfig()
    validate_summary(summary, need_monetary=True)
    bg = models.bgnbd.params
    x = summary["frequency"].to_numpy(dtype=float)
    t_x = summary["recency_days"].to_numpy(dtype=float)
    age = summary["age_days"].to_numpy(dtype=float)
    spend = expected_spend(models.gamma_gamma.params, x, summary["monetary_value"].to_numpy(dtype=float))
    return pd.DataFrame(
        {
            "customer_id": summary["customer_id"].to_numpy(),
            "p_alive": p_alive(bg, x, t_x, age),
            "expected_orders_90d": expected_purchases(bg, config.horizon_days, x, t_x, age),
            "expected_spend_per_order": spend,
            "predicted_clv_12m": config.margin * spend * discounted_orders(bg, x, t_x, age, config),
        }
    )


def predict_batches(
    batches: Iterator[pa.RecordBatch], models: ClvModels, config: ClvConfig | None = None
) -> Iterator[pa.RecordBatch]:
    """predict_customers over Arrow record batches (e.g. a DuckDB `fetch_record_batch` reader), so
    10M customers never sit in memory at once."""
    config = config or ClvConfig()
    for batch in batches:
        yield pa.RecordBatch.from_pandas(
            predict_customers(batch.to_pandas(), models, config), preserve_index=False
        )
