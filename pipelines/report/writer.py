"""Which report pages a publish (re)writes, and writing them so a reader never sees half a page.

Rule: a publish of snapshot D rewrites the page of D, of the snapshot before it and of every later
published snapshot, the page of any published snapshot that has none yet, and the index. Later pages
depend on D: the next snapshot's migration starts from D, and every later page charts the quarters up
to it, D included; the page before D shows the outcomes and backtest D's data decides. A run of the
latest quarter (the usual case) therefore writes two pages and the index. Pages of snapshots no
longer published are removed.
"""

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from pipelines.publish import files
from pipelines.report.page import build_index, build_page, page_name
from pipelines.report.queries import snapshots

REPORT_DIR = "report"
INDEX_NAME = "index.html"
PAGE_PATTERN = re.compile(r"^\d{4}Q[1-4]\.html$")


@dataclass(frozen=True)
class ReportResult:
    """What a report run wrote, for the publish asset's metadata."""

    directory: Path
    index: Path
    page: Path
    written: list[Path]
    removed: list[Path]
    seconds: float


def pages_to_write(
    published: Sequence[date], snapshot: date, have_page: Callable[[date], bool]
) -> list[date]:
    """The snapshots whose page a publish of `snapshot` writes (see the module docstring), oldest first."""
    if snapshot not in published:
        raise ValueError(f"snapshot {snapshot} is not in the published file (published: {list(published)})")
    before = [d for d in published if d < snapshot]
    first = before[-1] if before else snapshot
    return [d for d in published if d >= first or not have_page(d)]


def write_report(database: Path, snapshot: date, language: str, log: Callable[[str], None]) -> ReportResult:
    """Write the report pages for a publish of `snapshot`, read from the published file `database`.

    Holds the publish lock, so the pages match the file they were read from and two runs never
    interleave their pages.
    """
    started = time.monotonic()
    directory = database.parent / REPORT_DIR
    with files.publish_lock(database.parent, log):
        directory.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(database), read_only=True) as conn:
            published = snapshots(conn)
            publish_id = conn.execute("select publish_id from meta.publish").fetchone()[0]
            generated_at = datetime.now(UTC)
            wanted = pages_to_write(published, snapshot, lambda d: (directory / page_name(d)).is_file())
            written = []
            for day in wanted:
                before = [d for d in published if d < day]
                page = build_page(
                    conn, day, language, before[-1] if before else None, publish_id, generated_at
                )
                written.append(_write(directory / page_name(day), page.html))
            written.append(
                _write(directory / INDEX_NAME, build_index(conn, language, publish_id, generated_at))
            )
        keep = {page_name(d) for d in published}
        removed = [p for p in directory.iterdir() if PAGE_PATTERN.match(p.name) and p.name not in keep]
        for path in removed:
            path.unlink()
    return ReportResult(
        directory=directory,
        index=directory / INDEX_NAME,
        page=directory / page_name(snapshot),
        written=written,
        removed=removed,
        seconds=time.monotonic() - started,
    )


def _write(target: Path, content: str) -> Path:
    """Write `content` under a hidden temporary name, then rename it onto `target` (atomic)."""
    staged = files.temporary_name(target, "write")
    staged.write_text(content, encoding="utf-8")
    files.replace_atomically(staged, target)
    return target
