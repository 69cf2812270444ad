"""The segmentation config as assets: validated from YAML and written to the warehouse's `config` schema.

dbt declares these tables as `source('config', ...)`, so keying the assets `config/<table>` puts the
config upstream of every model that uses it in the asset graph.
"""

import dagster as dg

from pipelines.config import CONFIG_TABLES, load_config, write_config_tables
from pipelines.partitions import QUARTERLY, tag_run
from pipelines.resources import Warehouse


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=["config", table],
            description=f"Segmentation config table `{table}`, from config/segments.yml (SEGMENTS_CONFIG).",
            group_name="config",
            kinds={"duckdb", "yaml"},
        )
        for table in CONFIG_TABLES
    ],
    **QUARTERLY,
    pool="duckdb",
)
def segmentation_config(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Validate the segmentation config (fails fast naming the bad key or rule) and write its tables."""
    tag_run(context)
    config = load_config()
    with warehouse.connect() as conn:
        write_config_tables(conn, config)
    context.log.info(f"Config {config.source} ({config.sha256[:12]}) written to the warehouse")
    for table in CONFIG_TABLES:
        yield dg.MaterializeResult(
            asset_key=["config", table],
            metadata={"config_path": str(config.source), "config_sha256": config.sha256},
        )


defs = dg.Definitions(assets=[segmentation_config])
