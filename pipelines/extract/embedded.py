"""The embedded default sources: synthetic data generated once per (seed, size, end date).

Used when `SEGMENTS_SOURCE_DIR` is unset, so `make run` has something realistic to segment.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pipelines.generate import generate_sources
from pipelines.quarters import Quarter

EMBEDDED_CUSTOMERS = 20_000
EMBEDDED_SEED = 42
MARKER = "_generated.json"


def ensure_embedded_sources(
    target: Path, today: date, log: Callable[[str], None], customers: int = EMBEDDED_CUSTOMERS
) -> Path:
    """Generate the synthetic sources into `target` unless the same ones are already there."""
    wanted = {
        "customers": customers,
        "seed": EMBEDDED_SEED,
        "end_date": Quarter.latest_complete(today).as_of.isoformat(),
        "format": "parquet",
    }
    marker = target / MARKER
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        return target
    log(f"Generating embedded synthetic sources ({customers:,} customers) into {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build aside and swap in, so a killed generation never leaves half a source set behind.
    staging = Path(tempfile.mkdtemp(prefix=".sources-", dir=target.parent))
    generate_sources(
        staging,
        customers=customers,
        seed=EMBEDDED_SEED,
        end_date=date.fromisoformat(wanted["end_date"]),
        fmt="parquet",
        progress=log,
    )
    (staging / MARKER).write_text(json.dumps(wanted))
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target
