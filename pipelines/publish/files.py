"""Files of the published directory, and how they change without a reader ever seeing half of it.

```
published/
  segments.duckdb                       what BI tools open (read-only); replaced with os.replace
  parquet/<table>/snapshot_date=D/data.parquet   the Parquet mirror (hive layout), one file per
  parquet/<table>/data.parquet                   partition, each replaced with os.replace
  _versions/<table>/[<column>=D/]<publish id>.parquet   immutable files the DuckDB views read
  _versions/_published/<publish id>.json                which files each publish referenced
```

A file is written under a temporary name and renamed into place (atomic on POSIX), so a reader
sees the old or the new file, never a partial one. A reader that holds an old `segments.duckdb`
open keeps reading it (its inode survives the rename), and the Parquet files its views name stay
for `SUPERSEDED_RETENTION` after a newer publish replaced them. Mirror files are hard links to the
versioned files (copies where the file system has no hard links), so the mirror costs no space.
"""

import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

DATABASE_NAME = "segments.duckdb"
MIRROR_DIR = "parquet"
VERSIONS_DIR = "_versions"
RECORDS_DIR = f"{VERSIONS_DIR}/_published"
LOCK_NAME = ".publish.lock"
MIRROR_FILE = "data.parquet"
# How long files of a replaced publish stay for readers still holding that older DuckDB file open.
SUPERSEDED_RETENTION = timedelta(hours=24)
# How long a publish waits for another one (of any quarter) to finish before it gives up.
LOCK_TIMEOUT_SECONDS = 1800.0


class PublishLockTimeoutError(RuntimeError):
    """Another publish held the published directory for longer than LOCK_TIMEOUT_SECONDS."""


def version_file(table: str, partition_column: str | None, snapshot: date, publish_id: str) -> str:
    """The immutable file of one table partition, relative to the published directory."""
    partition = f"{partition_column}={snapshot.isoformat()}/" if partition_column else ""
    return f"{VERSIONS_DIR}/{table}/{partition}{publish_id}.parquet"


def mirror_file(table: str, partition_column: str | None, snapshot: date) -> str:
    """The mirror's file of one table partition, relative to the published directory."""
    partition = f"{partition_column}={snapshot.isoformat()}/" if partition_column else ""
    return f"{MIRROR_DIR}/{table}/{partition}{MIRROR_FILE}"


def temporary_name(target: Path, tag: str) -> Path:
    """A hidden sibling of `target` that no `*.parquet` glob and no `segments.duckdb` reader matches."""
    return target.with_name(f".{target.name}.{tag}.tmp")


@contextmanager
def publish_lock(
    published_dir: Path, log: Callable[[str], None], timeout: float = LOCK_TIMEOUT_SECONDS
) -> Iterator[None]:
    """Hold the published directory exclusively; a second publish waits (the OS frees it on kill)."""
    published_dir.mkdir(parents=True, exist_ok=True)
    with (published_dir / LOCK_NAME).open("a") as handle:
        deadline = time.monotonic() + timeout
        waiting = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    raise PublishLockTimeoutError(
                        f"another publish has held {published_dir / LOCK_NAME} for over {timeout:.0f}s; "
                        "check for a stuck run, then retry"
                    ) from exc
                if not waiting:
                    log(f"Waiting for another publish to finish ({published_dir / LOCK_NAME})")
                    waiting = True
                time.sleep(1.0)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def replace_atomically(source: Path, target: Path) -> None:
    """Rename `source` onto `target` in one step, and make the rename durable."""
    os.replace(source, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def link_into_place(source: Path, target: Path, tag: str) -> None:
    """Make `target` the same file as `source`: a hard link (or a copy) renamed into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = temporary_name(target, tag)
    staged.unlink(missing_ok=True)
    try:
        os.link(source, staged)
    except OSError:
        shutil.copyfile(source, staged)
    replace_atomically(staged, target)


def sync_mirror(published_dir: Path, wanted: dict[str, str], tag: str) -> int:
    """Make the mirror hold exactly `wanted` (mirror path -> versioned path); returns files changed."""
    changed = 0
    for mirror, version in sorted(wanted.items()):
        target, source = published_dir / mirror, published_dir / version
        if target.exists() and os.path.samefile(target, source):
            continue
        link_into_place(source, target, tag)
        changed += 1
    mirror_root = published_dir / MIRROR_DIR
    for path in sorted(mirror_root.rglob("*")) if mirror_root.exists() else []:
        relative = path.relative_to(published_dir).as_posix()
        if path.is_file() and relative not in wanted:
            path.unlink()
            changed += 1
    _remove_empty_dirs(mirror_root)
    return changed


def write_record(published_dir: Path, publish_id: str, published_at: datetime, files: Iterable[str]) -> None:
    """Remember which files a publish referenced, for the clean-up of later publishes."""
    target = published_dir / RECORDS_DIR / f"{publish_id}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = temporary_name(target, "write")
    staged.write_text(json.dumps({"published_at": published_at.isoformat(), "files": sorted(files)}))
    replace_atomically(staged, target)


def collect_garbage(published_dir: Path, live: set[str], now: datetime) -> int:
    """Delete versioned files no recent publish references, and leftovers of killed publishes.

    Runs under the publish lock, so any temporary file found belongs to a publish that died.
    Returns the number of files deleted.
    """
    keep = set(live)
    records = (
        sorted((published_dir / RECORDS_DIR).glob("*.json")) if (published_dir / RECORDS_DIR).exists() else []
    )
    loaded = [(path, json.loads(path.read_text())) for path in records]
    for index, (path, record) in enumerate(loaded):
        successor = loaded[index + 1][1] if index + 1 < len(loaded) else None
        superseded_at = datetime.fromisoformat(successor["published_at"]) if successor else None
        if superseded_at is None or now - superseded_at < SUPERSEDED_RETENTION:
            keep.update(record["files"])
        else:
            path.unlink()
    deleted = 0
    for path in sorted((published_dir / VERSIONS_DIR).rglob("*")):
        relative = path.relative_to(published_dir).as_posix()
        if path.is_file() and not relative.startswith(RECORDS_DIR) and relative not in keep:
            path.unlink()
            deleted += 1
    for path in published_dir.glob(f".{DATABASE_NAME}.*"):
        path.unlink()
        deleted += 1
    _remove_empty_dirs(published_dir / VERSIONS_DIR)
    return deleted


def _remove_empty_dirs(root: Path) -> None:
    if not root.exists():
        return
    for path in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(path.iterdir()):
            path.rmdir()
