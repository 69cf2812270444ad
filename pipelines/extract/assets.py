"""Extraction assets: one per source, landing typed raw tables, quarantine and load audit in DuckDB.

Asset keys are `[source system, table]` (`crm/customers`, `shop/orders`, `helpdesk/tickets`),
the keys dagster-dbt gives the matching dbt sources, so lineage joins up without translator code.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
import duckdb

from pipelines.config import load_config
from pipelines.extract.load import clear_source, load_source
from pipelines.extract.reader import is_delivered
from pipelines.extract.sources import CRM_CUSTOMERS, OPTIONAL_SOURCES, SOURCES, SourceSpec
from pipelines.partitions import QUARTERLY, tag_run
from pipelines.quality import checks
from pipelines.resources import SourceDirectory, Warehouse

ACCOUNTING_SQL = """
with audit as (
    select * from load_audit where source = $source order by loaded_at desc limit 1
)
select
    audit.rows_read,
    audit.rows_kept,
    audit.rows_quarantined,
    audit.rows_superseded,
    (select count(*) filter (where _is_latest) from {table}) as table_kept,
    (select count(*) filter (where not _is_latest) from {table}) as table_superseded,
    (select count(*) from quarantine where source = $source) as table_quarantined
from audit
"""


def _describe(spec: SourceSpec) -> str:
    return (
        f"Raw {spec.name} rows as delivered, typed, one row per valid version (`_is_latest` marks "
        f"the winning version per {spec.key}); unusable rows go to `quarantine`."
    )


def build_extract_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    """The asset that (re)loads one source, with its checks; orders and tickets wait for the CRM to
    know customer ids."""
    asset = dg.AssetKey(spec.asset_key)
    gx_checks = checks.raw_check_specs(spec)

    @dg.asset(
        key=asset,
        description=_describe(spec),
        group_name="extract",
        **QUARTERLY,
        deps=[CRM_CUSTOMERS.asset_key] if spec.checks_customer else [],
        check_specs=[
            checks.spec(
                asset,
                "row_accounting",
                f"Every {spec.name} row read is kept, quarantined or superseded; none is lost.",
                blocking=True,
            ),
            *gx_checks,
        ],
        kinds={"duckdb"},
        pool="duckdb",
        metadata={"source": spec.name, "key": spec.key},
    )
    def _extract(
        context: dg.AssetExecutionContext, warehouse: Warehouse, sources: SourceDirectory
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        tag_run(context)
        source_dir = sources.resolve(context.log.info)
        loaded_at = datetime.now(UTC)
        if spec.optional and not is_delivered(spec, source_dir):
            context.log.info(
                f"No {spec.name} in {source_dir} (optional): {spec.schema}.{spec.table} is empty"
            )
            with warehouse.connect() as conn:
                clear_source(conn, spec, loaded_at)
            yield dg.MaterializeResult(
                metadata={"dagster/row_count": 0, "delivered": False, "table": f"{spec.schema}.{spec.table}"}
            )
            with warehouse.connect(read_only=True) as conn:
                yield accounting_result(conn, spec)
            for check in gx_checks:
                yield dg.AssetCheckResult(
                    asset_key=asset,
                    check_name=check.name,
                    passed=True,
                    severity=dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN,
                    description=f"{spec.name} not delivered (optional source): nothing to check",
                )
            return
        context.log.info(f"Loading {spec.name} from {source_dir}")
        with warehouse.connect() as conn:
            result = load_source(conn, spec, source_dir, loaded_at)
        context.log.info(
            f"{spec.name}: read {result.rows_read:,}, kept {result.rows_kept:,}, quarantined "
            f"{result.rows_quarantined:,}, superseded {result.rows_superseded:,}"
        )
        yield dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.rows_kept,
                **{k: v for k, v in result.metadata().items() if k != "source"},
                "table": f"{spec.schema}.{spec.table}",
            }
        )
        quality = load_config().quality
        with warehouse.connect(read_only=True) as conn:
            yield accounting_result(conn, spec)
            evaluations = {
                "raw_schema_and_keys": checks.raw_schema_and_keys(conn, spec),
                "load_volume_and_quarantine": checks.load_volume_and_quarantine(conn, spec, quality),
            }
        for check in gx_checks:
            evaluation = evaluations[check.name]
            context.log.info(
                f"{check.name}: {'passed' if evaluation.passed else 'FAILED'}: {evaluation.summary()}"
            )
            yield evaluation.to_check_result(asset, check.name, warning=not check.blocking)

    return _extract


def accounting_result(conn: duckdb.DuckDBPyConnection, spec: SourceSpec) -> dg.AssetCheckResult:
    """Blocking: rows read = kept + quarantined + superseded, as recorded and as stored."""
    row = conn.execute(
        ACCOUNTING_SQL.format(table=f"{spec.schema}.{spec.table}"), {"source": spec.name}
    ).fetchone()
    read, kept, quarantined, superseded, t_kept, t_superseded, t_quarantined = row
    balanced = read == kept + quarantined + superseded
    stored = (kept, superseded, quarantined) == (t_kept, t_superseded, t_quarantined)
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(spec.asset_key),
        check_name="row_accounting",
        passed=bool(balanced and stored),
        description=None
        if balanced and stored
        else (
            f"rows_read={read} != kept + quarantined + superseded, or stored_kept={t_kept}, "
            f"stored_superseded={t_superseded}, stored_quarantined={t_quarantined} differ from the audit"
        ),
        metadata={
            "rows_read": read,
            "rows_kept": kept,
            "rows_quarantined": quarantined,
            "rows_superseded": superseded,
            "stored_kept": t_kept,
            "stored_superseded": t_superseded,
            "stored_quarantined": t_quarantined,
        },
    )


extract_assets = [build_extract_asset(spec) for spec in (*SOURCES, *OPTIONAL_SOURCES)]

defs = dg.Definitions(assets=dg.with_source_code_references(extract_assets))
