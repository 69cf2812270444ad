"""Two Python assets downstream of a mart for the gate test, in a module without
`from __future__ import annotations` (Dagster needs the real `context` annotation)."""

import dagster as dg

PROBE_GROUP = "quality_gate_probe"


def probe_definitions() -> dg.Definitions:
    """The real code location plus two Python assets downstream of a mart whose own checks pass:
    one calls the gate, one does not (what Dagster alone would do)."""
    from pipelines.definitions import defs
    from pipelines.partitions import quarterly_partitions
    from pipelines.quality.checks import CUSTOMER_TAGS
    from pipelines.quality.gate import blocking_failures
    from pipelines.quality.results import RECORDING_HOOKS

    @dg.asset(deps=[CUSTOMER_TAGS], partitions_def=quarterly_partitions, group_name=PROBE_GROUP)
    def ungated_probe() -> None:
        """Stands for any Python asset downstream of the marts that does not ask the gate."""

    @dg.asset(deps=[CUSTOMER_TAGS], partitions_def=quarterly_partitions, group_name=PROBE_GROUP)
    def gated_probe(context: dg.AssetExecutionContext) -> None:
        """Stands for publishing: refuses while a blocking check of the run failed or is pending."""
        failures = blocking_failures(context.instance, context.run.run_id)
        if failures:
            raise dg.Failure(description="not published: " + "; ".join(failures))

    job = dg.define_asset_job(
        "quality_gate_test",
        selection=dg.AssetSelection.all(),
        partitions_def=quarterly_partitions,
        hooks=RECORDING_HOOKS,
    )
    return dg.Definitions.merge(defs, dg.Definitions(assets=[ungated_probe, gated_probe], jobs=[job]))
