"""The code location: merges what each module contributes and applies the global policies."""

import dagster as dg

from pipelines import jobs, schedules
from pipelines.extract import assets as extract
from pipelines.history import contacts
from pipelines.insight import assets as insight
from pipelines.publish import assets as publish
from pipelines.resources import SourceDirectory, Warehouse
from pipelines.transform import config_asset, dbt
from pipelines.value import assets as value

defs = dg.Definitions.merge(
    extract.defs,
    config_asset.defs,
    dbt.defs,
    contacts.defs,
    insight.defs,
    value.defs,
    publish.defs,
    jobs.defs,
    schedules.defs,
    dg.Definitions(
        resources={"warehouse": Warehouse(), "sources": SourceDirectory()},
        # DuckDB allows one writer per file: run every step in one process, one at a time.
        executor=dg.in_process_executor,
    ),
)
