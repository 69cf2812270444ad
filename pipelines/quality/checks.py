"""Data-quality asset checks: Great Expectations suites (expectations/*.json) on bounded frames, one
check per validated asset and severity.

| asset                                  | blocking                          | warning                    |
|----------------------------------------|-----------------------------------|----------------------------|
| crm/customers, shop/orders,            | raw_schema_and_keys               | load_volume_and_quarantine |
|   helpdesk/tickets                     |   (+ row_accounting, extract)     |                            |
| intermediate/int_customers_features    | customer_features                 |                            |
| intermediate/int_customers_rfm_scored  | rfm_scores                        |                            |
| marts/dim_customers                    | segments                          | mean_monetary_shift        |
| marts/fct_segment_summary              | segment_shares                    | segment_share_drift        |
| marts/fct_customer_tags                | tags_in_catalog                   |                            |

The dbt tests of the models are asset checks too (dagster-dbt; severity error = blocking).

Warnings are declared `blocking=True` but always report severity WARN: Dagster then runs them before
the assets downstream of what they check (so their results are recorded before history is
written) and never stops anything for them (only a failed ERROR-severity result blocks).
"""

from collections.abc import Callable

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from pipelines.config import load_config
from pipelines.extract.sources import SOURCES, SourceSpec
from pipelines.quality import evaluate
from pipelines.quality.gx import DataDocs
from pipelines.quarters import Quarter
from pipelines.resources import Warehouse
from pipelines.transform.dbt import dbt_models

FEATURES = get_asset_key_for_model([dbt_models], "int_customers_features")
RFM_SCORED = get_asset_key_for_model([dbt_models], "int_customers_rfm_scored")
DIM_CUSTOMERS = get_asset_key_for_model([dbt_models], "dim_customers")
SEGMENT_SUMMARY = get_asset_key_for_model([dbt_models], "fct_segment_summary")
CUSTOMER_TAGS = get_asset_key_for_model([dbt_models], "fct_customer_tags")

# Every asset a quality check of this module validates. An asset that must not run before the
# quality verdict (history, publishing) should list these as deps: Dagster then runs their blocking
# checks first and skips it when one fails (pipelines/quality/gate.py double-checks).
GATED_ASSETS: tuple[dg.AssetKey, ...] = (
    *(dg.AssetKey(spec.asset_key) for spec in SOURCES),
    FEATURES,
    RFM_SCORED,
    DIM_CUSTOMERS,
    SEGMENT_SUMMARY,
    CUSTOMER_TAGS,
)


def run_quarter(context: dg.AssetCheckExecutionContext) -> Quarter:
    """The quarter of the run: the checks are not partitioned themselves (partitioned checks are a
    Dagster preview), the quarterly run they belong to is."""
    partition = context.run.tags.get("dagster/partition")
    if partition is None:
        raise ValueError(
            f"run {context.run.run_id} has no partition: quality checks run for a quarter "
            "(materialise with --partition, e.g. 2025-10-01)"
        )
    return Quarter.parse(partition)


def data_docs(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> DataDocs:
    """Where this run's GX results and Data Docs go: `$SEGMENTS_DATA_DIR/quality/`."""
    quarter = run_quarter(context)
    return DataDocs(warehouse.paths().data_dir / "quality", f"{quarter.as_of}_{context.run.run_id[:8]}")


def _report(
    context: dg.AssetCheckExecutionContext, name: str, evaluation: evaluate.Evaluation, warning: bool = False
) -> dg.AssetCheckResult:
    verdict = "passed" if evaluation.passed else ("WARNING" if warning else "FAILED")
    context.log.info(f"{name} {verdict}: {evaluation.summary()}")
    return evaluation.to_check_result(warning=warning)


def build_raw_checks(spec: SourceSpec) -> list[dg.AssetChecksDefinition]:
    """The GX checks of one raw source: schema and keys (blocking), load volume and quarantine (warning)."""
    asset = dg.AssetKey(spec.asset_key)

    @dg.asset_check(
        asset=asset,
        name="raw_schema_and_keys",
        blocking=True,
        description=(
            f"Blocking: {spec.schema}.{spec.table} has every contract column with its type, and its "
            f"latest versions carry a unique, non-null {spec.key}"
            + ("" if spec.may_be_empty else " and are not empty")
            + " (GX raw_schema, raw_keys)."
        ),
        pool="duckdb",
    )
    def _schema_and_keys(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as conn:
            evaluation = evaluate.raw_schema_and_keys(conn, spec, data_docs(context, warehouse))
        return _report(context, "raw_schema_and_keys", evaluation)

    @dg.asset_check(
        asset=asset,
        name="load_volume_and_quarantine",
        blocking=True,  # for ordering only: the result is a WARN, see the module docstring
        description=(
            f"Warning: {spec.name} is not empty, and the share of its rows sent to quarantine and the rows "
            "read versus the previous load stay within config quality.max_quarantine_rate / "
            "max_volume_change (GX raw_load)."
        ),
        pool="duckdb",
    )
    def _load(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        quality = load_config().quality
        with warehouse.connect(read_only=True) as conn:
            evaluation = evaluate.load_volume_and_quarantine(
                conn, spec, quality, data_docs(context, warehouse)
            )
        return _report(context, "load_volume_and_quarantine", evaluation, warning=True)

    return [_schema_and_keys, _load]


def build_model_check(
    asset: dg.AssetKey, name: str, description: str, evaluator: Callable[..., evaluate.Evaluation]
) -> dg.AssetChecksDefinition:
    """A blocking check of a dbt model: `evaluator(conn, docs)` on a read-only connection."""

    @dg.asset_check(asset=asset, name=name, blocking=True, description=description, pool="duckdb")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as conn:
            evaluation = evaluator(conn, data_docs(context, warehouse))
        return _report(context, name, evaluation)

    return _check


def build_drift_check(
    asset: dg.AssetKey, name: str, description: str, evaluator: Callable[..., evaluate.Evaluation]
) -> dg.AssetChecksDefinition:
    """A warning comparing the snapshot with the previous one: `evaluator(conn, snapshot, quality,
    run_id, docs)` on a writable connection (it records this snapshot as the next one's baseline)."""

    # blocking=True for ordering only: the result is a WARN, see the module docstring.
    @dg.asset_check(asset=asset, name=name, blocking=True, description=description, pool="duckdb")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        quality = load_config().quality
        snapshot = run_quarter(context).as_of
        with warehouse.connect() as conn:
            evaluation = evaluator(conn, snapshot, quality, context.run.run_id, data_docs(context, warehouse))
        return _report(context, name, evaluation, warning=True)

    return _check


model_checks = [
    build_model_check(
        FEATURES,
        "customer_features",
        "Blocking: one row per customer (keys unique, not null), a non-empty population, no negative "
        "counts, spend or day counts, rates in [0, 1] (GX customer_features on a whole-table profile).",
        evaluate.customer_features,
    ),
    build_model_check(
        RFM_SCORED,
        "rfm_scores",
        "Blocking: R, F and M scores are never null, in 1..5, and monotonic in their metric (a better "
        "value never gets a lower score; equal values share a score) (GX rfm_scores, per metric x score).",
        evaluate.rfm_scores,
    ),
    build_model_check(
        DIM_CUSTOMERS,
        "segments",
        "Blocking: a non-empty snapshot, keys unique and not null, exactly one segment of the config per "
        "customer, every customer registered on or before D present (GX segments).",
        evaluate.segments,
    ),
    build_drift_check(
        DIM_CUSTOMERS,
        "mean_monetary_shift",
        "Warning: the mean monetary moved by more than config quality.max_mean_monetary_change since "
        "the previous snapshot (GX monetary_shift).",
        evaluate.mean_monetary_shift,
    ),
    build_model_check(
        SEGMENT_SUMMARY,
        "segment_shares",
        "Blocking: at least one segment, segments of the config, customer shares in [0, 1] summing to 1 "
        "and segment sizes adding up to the customers of dim_customers (GX segment_shares).",
        evaluate.segment_shares,
    ),
    build_drift_check(
        SEGMENT_SUMMARY,
        "segment_share_drift",
        "Warning: a segment's share of customers moved more than config "
        "quality.max_segment_share_change_points since the previous snapshot (GX segment_share_drift).",
        evaluate.segment_share_drift,
    ),
    build_model_check(
        CUSTOMER_TAGS,
        "tags_in_catalog",
        "Blocking: every tag of the snapshot exists in the tag catalog with the catalog's levels, "
        "attribute and (for fixed values) value (GX customer_tags, per distinct tag).",
        evaluate.tags_in_catalog,
    ),
]
raw_checks = [check for spec in SOURCES for check in build_raw_checks(spec)]
quality_checks = [*raw_checks, *model_checks]
