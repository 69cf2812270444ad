"""Quarterly customer segmentation: Dagster assets over DuckDB and dbt (see README.md)."""

import warnings

# We rely knowingly on two Dagster features still marked preview/beta: partitioned asset checks
# (results belong to their quarter) and code references (assets link to their source). Their
# warnings would otherwise be printed on every start of the CLI, the UI and each dbt step.
warnings.filterwarnings("ignore", message=r".*(currently in (preview|beta)|AssetCheckSpec)")
