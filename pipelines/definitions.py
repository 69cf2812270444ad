"""The code location: merges what each module contributes and applies the global policies."""

import gc

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

# Every process that runs the pipeline loads this module: the CLI, `dagster dev`'s run workers. Its
# heap is large and long-lived (Dagster's definitions, each dbt step's parsed manifest): at CPython's
# default threshold (700 allocations) the collector walked it ~3,000 times per 1,000-customer
# quarter, 11 of them full, ~3 s in all while dbt's thread waited. At 10,000: ~200 times, at most one
# full, 1-1.7 s (docs/benchmarks.md, issue 15, fifth session). `gc.freeze()` would save more, but
# DuckDB's bindings then report their module objects as leaked at exit.
gc.set_threshold(10_000, *gc.get_threshold()[1:])
