"""What the quality module contributes to the code location: its asset checks."""

import dagster as dg

from pipelines.quality.checks import quality_checks

defs = dg.Definitions(asset_checks=quality_checks)
