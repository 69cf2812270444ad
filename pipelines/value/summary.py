"""The per-customer RFM summary the models read, its checks, and the bounded fit sample.

Columns (one row per customer, as of the snapshot date D):
- `customer_id`
- `frequency`: repeat orders x, i.e. orders after the first (0 for one-time buyers)
- `recency_days`: days from the first order to the last one, t_x (0 when frequency = 0)
- `age_days`: days from the first order to D, T (> 0)
- `monetary_value`: mean spend of the repeat orders (the first order excluded; ignored when x = 0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

REQUIRED_COLUMNS = ("customer_id", "frequency", "recency_days", "age_days")


class ClvInputError(ValueError):
    """The summary frame breaks the model's assumptions about its columns."""


def validate_summary(summary: pd.DataFrame, *, need_monetary: bool = False) -> None:
    """Raise ClvInputError naming each broken rule and how many rows break it."""
    required = REQUIRED_COLUMNS + (("monetary_value",) if need_monetary else ())
    missing = [c for c in required if c not in summary.columns]
    if missing:
        raise ClvInputError(f"CLV summary: missing columns {missing}; expected {list(required)}")
    x = summary["frequency"].to_numpy(dtype=float)
    t_x = summary["recency_days"].to_numpy(dtype=float)
    age = summary["age_days"].to_numpy(dtype=float)
    rules = {
        "null frequency/recency_days/age_days": np.isnan(x) | np.isnan(t_x) | np.isnan(age),
        "frequency negative or not whole": (x < 0) | (x != np.floor(x)),
        "age_days <= 0": age <= 0,
        "recency_days outside [0, age_days]": (t_x < 0) | (t_x > age),
        "recency_days > 0 with frequency = 0": (x == 0) & (t_x > 0),
    }
    if need_monetary:
        m = summary["monetary_value"].to_numpy(dtype=float)
        rules["monetary_value null or infinite with frequency > 0"] = (x > 0) & ~np.isfinite(m)
    broken = {rule: int(mask.sum()) for rule, mask in rules.items() if mask.any()}
    if broken:
        raise ClvInputError(f"CLV summary of {len(summary):,} customers: rows breaking {broken}")


def fit_sample(summary: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """Up to `size` customers chosen by a salted hash of `customer_id`: the same input gives the same
    sample whatever the row order, since a customer's rank depends only on its id and the seed."""
    if len(summary) <= size:
        return summary
    keys = pd.util.hash_array(summary["customer_id"].to_numpy(), hash_key=f"clv{seed:013d}"[:16])
    chosen = np.argpartition(keys, size - 1)[:size]
    return summary.iloc[np.sort(chosen)]
