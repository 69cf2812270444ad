"""The quality gate in front of history and publishing: nothing moves on while a blocking check fails.

Dagster already skips assets downstream of a failed blocking check; this gate also covers blocking
checks that are not upstream of history in the asset graph (pipelines.quality.gate decides which).
"""

import dagster as dg

from pipelines.quality.gate import blocking_failures


class PublishBlockedError(RuntimeError):
    """A blocking quality check of the run failed."""


def raise_if_blocked(context: dg.AssetExecutionContext, what: str) -> None:
    """Fail the step, naming every failed blocking check of this run, if there is any."""
    failures = blocking_failures(context.instance, context.run_id)
    if failures:
        listed = "; ".join(failures)
        raise PublishBlockedError(
            f"{what} not done: {len(failures)} blocking quality check(s) failed in this run: {listed}. "
            "The previous history and published file are unchanged; fix the data and re-run the quarter."
        )
