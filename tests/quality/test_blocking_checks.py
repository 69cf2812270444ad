"""Each blocking check against a warehouse crafted to break it: the clean run's warehouse, one table
changed, then Dagster runs the real check and the real history and publish assets. The check fails
naming what it observed, and neither history nor the published file is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.quality.conftest import CLEAN, pipeline_env

# (why, asset, check, the breaking SQL, a fragment the failure message must contain)
SCENARIOS = [
    (
        "a CRM customer with two latest versions",
        "crm/customers",
        "raw_schema_and_keys",
        "insert into crm.customers select * from crm.customers where _is_latest limit 1",
        "duplicate_keys: found 1, expected = 0",
    ),
    (
        "orders lost after the load (row accounting)",
        "shop/orders",
        "row_accounting",
        "delete from shop.orders "
        "where order_id in (select order_id from shop.orders where _is_latest limit 5)",
        "stored_kept=",
    ),
    (
        "a negative spend in the features",
        "intermediate/int_customers_features",
        "customer_features",
        "update intermediate.int_customers_features set monetary = -5 "
        "where customer_id = (select min(customer_id) from intermediate.int_customers_features)",
        "negative_spend: found 1, expected = 0",
    ),
    (
        "a score of 6",
        "intermediate/int_customers_rfm_scored",
        "rfm_scores",
        "update intermediate.int_customers_rfm_scored set m_score = 6 "
        "where customer_id = (select min(customer_id) from intermediate.int_customers_rfm_scored)",
        "score: found",
    ),
    (
        "the most frequent buyer scored lowest (not monotonic)",
        "intermediate/int_customers_rfm_scored",
        "rfm_scores",
        "update intermediate.int_customers_rfm_scored set f_score = 1 "
        "where frequency = (select max(frequency) from intermediate.int_customers_rfm_scored)",
        "worst_ranking vs best_ranking_below",
    ),
    (
        "a customer twice, so two segments",
        "marts/dim_customers",
        "segments",
        "insert into marts.dim_customers select * from marts.dim_customers limit 1",
        "duplicate_customer_ids: found 1, expected = 0",
    ),
    (
        "a customer without segment",
        "marts/dim_customers",
        "segments",
        "update marts.dim_customers set segment = null "
        "where customer_id = (select min(customer_id) from marts.dim_customers)",
        "customers_without_segment: found 1, expected = 0",
    ),
    (
        "an empty population",
        "marts/dim_customers",
        "segments",
        "delete from marts.dim_customers",
        "customers: found 0, expected >= 1",
    ),
    (
        "segment shares summing to 0.9",
        "marts/fct_segment_summary",
        "segment_shares",
        "update marts.fct_segment_summary set customer_share = customer_share * 0.9",
        "customer_share: found 0.9",
    ),
    (
        "a tag that is not in the catalog",
        "marts/fct_customer_tags",
        "tags_in_catalog",
        "insert into marts.fct_customer_tags by name select snapshot_date, customer_id, "
        "'vip_platinum' as tag_code, 'vip' as tag_name, 'value' as tag_level1, "
        "'contribution' as tag_level2, 'platinum' as tag_value from marts.dim_customers limit 1",
        "in_catalog: found",
    ),
]


def _downstream_of_the_checks() -> dg.AssetSelection:
    """Every asset that is not extraction, config or dbt: history and publishing (and what comes)."""
    from pipelines.extract.assets import extract_assets
    from pipelines.transform.config_asset import segmentation_config
    from pipelines.transform.dbt import dbt_models

    return dg.AssetSelection.all() - dg.AssetSelection.assets(
        *extract_assets, segmentation_config, dbt_models
    )


@pytest.mark.parametrize(
    "why, asset, check, breaking_sql, fragment", SCENARIOS, ids=[s[0] for s in SCENARIOS]
)
def test_blocking_check_fails_on_crafted_data_and_nothing_is_published(
    clean_warehouse: Path,
    quality_sources: Path,
    tmp_path: Path,
    why: str,
    asset: str,
    check: str,
    breaking_sql: str,
    fragment: str,
) -> None:
    from pipelines.definitions import defs
    from pipelines.quality.gate import blocking_failures

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(clean_warehouse, data_dir / "warehouse.duckdb")
    with duckdb.connect(str(data_dir / "warehouse.duckdb")) as conn:
        conn.execute(breaking_sql)

    check_key = dg.AssetCheckKey(dg.AssetKey.from_user_string(asset), check)
    downstream = _downstream_of_the_checks()
    instance = dg.DagsterInstance.ephemeral()
    with pipeline_env(data_dir, quality_sources):
        result = dg.materialize(
            [*defs.assets, *defs.asset_checks],
            selection=dg.AssetSelection.checks(check_key) | downstream,
            partition_key=CLEAN.partition_key,
            resources=defs.resources,
            instance=instance,
            raise_on_error=False,
        )

    assert not result.success, why
    [evaluation] = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        and e.event_specific_data.check_name == check
    ]
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert result.get_asset_materialization_events() == [], "history or publishing ran on bad data"
    [message] = blocking_failures(instance, result.run_id)
    assert message.startswith(f"check {check} on {asset}: "), message
    assert fragment in message, message
