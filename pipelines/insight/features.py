"""The features k-means sees: a deterministic sample of dim_customers, log-scaled and z-scored.

The same transform is applied in SQL to every customer (dbt macro `cluster_feature_value` and model
`customer_clusters`), with the mean and standard deviation stored here:
- recency_days: days since the last completed order; a customer without one counts the days since
  registration (tenure_days), i.e. "no purchase since registering";
- every feature x becomes sign(x) * ln(1 + |x|) (log1p for the non-negative R, F and M; defined for
  negative extra features too), then z = (x - mean) / std over the fit sample (population std);
- a missing value, or a feature that does not vary in the sample (std 0), gives z = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np

from pipelines.config.cluster_features import BASE_FEATURES

# Read in the order of the MD5 hash of customer_id (as the dbt macro stable_hash computes it): the
# same customers for the same data, a spread of them whatever the id scheme.
SAMPLE_SQL = """
select
    customer_id,
    segment,
    {columns}
from marts.dim_customers
order by lower(md5(cast(customer_id as varchar))), customer_id
limit ?
"""


@dataclass(frozen=True)
class Sample:
    """The fit sample: ids, rule segments, raw features (rows x features) and the population size."""

    customer_ids: np.ndarray
    segments: np.ndarray
    raw: np.ndarray
    features: tuple[str, ...]
    population: int


def feature_names(extra: list[str]) -> tuple[str, ...]:
    return (*BASE_FEATURES, *extra)


def feature_sql(feature: str) -> str:
    """The column expression a feature is read with (recency filled for customers without an order)."""
    if feature == "recency_days":
        return "coalesce(recency_days, tenure_days)"
    return f'"{feature}"'


def read_sample(conn: duckdb.DuckDBPyConnection, extra: list[str], size: int) -> Sample:
    """The first `size` customers of dim_customers by hash, with their raw features (as doubles)."""
    features = feature_names(extra)
    # Column names are validated config keys (identifiers of dim_customers), never data.
    columns = ",\n    ".join(f'cast({feature_sql(f)} as double) as "{f}"' for f in features)
    data = conn.execute(SAMPLE_SQL.format(columns=columns), [size]).fetchnumpy()
    population = conn.execute("select count(*) from marts.dim_customers").fetchone()[0]
    # fetchnumpy gives masked arrays where a column has nulls: missing values become NaN.
    columns_as_float = [np.ma.filled(np.ma.asarray(data[f], dtype=float), np.nan) for f in features]
    raw = np.column_stack(columns_as_float) if len(data["customer_id"]) else np.empty((0, len(features)))
    return Sample(
        customer_ids=np.asarray(data["customer_id"], dtype=object),
        segments=np.asarray(data["segment"], dtype=object),
        raw=raw,
        features=features,
        population=int(population),
    )


def signed_log(values: np.ndarray) -> np.ndarray:
    """sign(x) * ln(1 + |x|): log1p for x >= 0, symmetric below 0; NaN stays NaN."""
    return np.sign(values) * np.log1p(np.abs(values))


@dataclass(frozen=True)
class Transform:
    """Per feature: the mean and population std of the log-scaled sample values."""

    mean: np.ndarray
    std: np.ndarray

    def apply(self, raw: np.ndarray) -> np.ndarray:
        """z-scores of raw values; missing values and constant features give 0."""
        logged = signed_log(raw)
        safe_std = np.where(self.std > 0, self.std, 1.0)
        z = (logged - self.mean) / safe_std
        z[:, ~(self.std > 0)] = 0.0
        return np.nan_to_num(z, nan=0.0)


def fit_transform(raw: np.ndarray) -> Transform:
    """The standardisation of a sample (a feature missing everywhere: mean 0, std 0)."""
    logged = signed_log(raw)
    present = ~np.isnan(logged)
    counts = present.sum(axis=0)
    filled = np.where(present, logged, 0.0)
    mean = np.divide(filled.sum(axis=0), counts, out=np.zeros(raw.shape[1]), where=counts > 0)
    squares = np.where(present, (logged - mean) ** 2, 0.0).sum(axis=0)
    std = np.sqrt(np.divide(squares, counts, out=np.zeros(raw.shape[1]), where=counts > 0))
    return Transform(mean=mean, std=std)
