"""Synthetic, deterministic source files (CRM customers, orders, tickets) for the pipeline.

`generate_sources(out_dir, customers, seed=...)` writes realistic data, dirty rows included, in
the layout extraction reads (CONTRACT.md section 3). See `generator.py` for the stages.
"""

from pipelines.generate.calendar import latest_complete_quarter_end
from pipelines.generate.generator import generate_sources
from pipelines.generate.rates import DirtyRates, GenerationSummary

__all__ = ["DirtyRates", "GenerationSummary", "generate_sources", "latest_complete_quarter_end"]
