"""The extra k-means features of the config (`clusters.features`) checked against dim_customers.

The k-means view reads its features from the mart `dim_customers` (pipelines/insight), so a feature
must be one of its columns and numeric; its model YAML lists the columns with their types (contract
enforced), as the rules' model YAML does for the rules (pipelines/config/rules.py).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from pipelines.config.model import SegmentationConfig
from pipelines.settings import DBT_PROJECT_DIR

FEATURES_MODEL = "dim_customers"
FEATURES_MODEL_YAML = DBT_PROJECT_DIR / "models" / "marts" / "customers" / "dim_customers.yml"
# Always clustered on: R, F and M (recency filled for customers without an order, see pipelines/insight).
BASE_FEATURES = ("recency_days", "frequency", "monetary")
_NUMERIC = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|FLOAT|DOUBLE|REAL|DECIMAL(\(.*\))?)$", re.I)


@functools.lru_cache(maxsize=4)
def feature_columns(model_yaml: Path = FEATURES_MODEL_YAML) -> dict[str, str]:
    """Column name -> declared type of dim_customers, from its dbt YAML."""
    models = yaml.safe_load(model_yaml.read_text(encoding="utf-8"))["models"]
    model = next(m for m in models if m["name"] == FEATURES_MODEL)
    return {c["name"]: str(c.get("data_type", "")) for c in model["columns"]}


def check_cluster_features(config: SegmentationConfig) -> list[str]:
    """One problem per extra feature that is a base feature, not a column, or not numeric."""
    columns = feature_columns()
    problems = []
    for i, feature in enumerate(config.clusters.features):
        where = f"clusters.features[{i}]"
        if feature in BASE_FEATURES:
            problems.append(f"{where}: {feature!r} is always a feature (list only extra ones)")
        elif feature not in columns:
            problems.append(f"{where}: {feature!r} is not a column of {FEATURES_MODEL}")
        elif not _NUMERIC.match(columns[feature].replace(" ", "")):
            problems.append(f"{where}: {feature!r} is {columns[feature]}, a feature must be numeric")
    return problems
