"""Which Parquet file is current for each published table and partition, and what a publish rewrites.

Every file records the write of history it was made from (`source_version`). A publish compares
them with history and rewrites only what is stale: normally the quarter just run (plus the latest
tables); after a skipped or failed publish, whatever history gained meanwhile. Cost therefore does
not grow with the number of quarters already published.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from pipelines.publish.tables import PublishedTable

Key = tuple[str, date | None]


@dataclass(frozen=True, order=True)
class Entry:
    """One published file: table, the snapshot its rows belong to, and the history write it shows.

    `snapshot_date` is the partition (`to_snapshot` for migrations) of partitioned tables and the
    latest snapshot for the others. `file` is relative to the published directory.
    """

    table: str
    snapshot_date: date
    partitioned: bool
    source_version: str
    file: str = ""
    rows: int = 0

    @property
    def key(self) -> Key:
        return (self.table, self.snapshot_date if self.partitioned else None)

    def made(self, file: str, rows: int) -> "Entry":
        return replace(self, file=file, rows=rows)


@dataclass(frozen=True)
class Plan:
    """Files to keep as they are, files to write, and files no longer published."""

    keep: list[Entry]
    write: list[Entry]
    drop: list[Entry]


def desired_entries(snapshots: Sequence[tuple[date, str]], tables: Iterable[PublishedTable]) -> list[Entry]:
    """The files the published state must consist of, given history's (snapshot, version) pairs."""
    if not snapshots:
        return []
    tables = list(tables)
    latest_date, latest_version = snapshots[-1]
    wanted = []
    for index, (snapshot, version) in enumerate(snapshots):
        for table in tables:
            if table.scope == "snapshot" and table.spans_next and index + 1 < len(snapshots):
                # Outcomes show two writes: this snapshot and the next one.
                wanted.append(Entry(table.name, snapshot, True, f"{version}>{snapshots[index + 1][1]}"))
            elif table.scope == "snapshot":
                wanted.append(Entry(table.name, snapshot, True, version))
            elif table.scope == "migration" and index > 0:
                # A migration shows two writes: the snapshot before and this one.
                wanted.append(Entry(table.name, snapshot, True, f"{snapshots[index - 1][1]}>{version}"))
    for table in tables:
        if table.scope == "latest":
            wanted.append(Entry(table.name, latest_date, False, latest_version))
    return wanted


def plan(desired: Sequence[Entry], current: Sequence[Entry], is_present: Callable[[Entry], bool]) -> Plan:
    """Keep a current file if it shows the wanted history write and still exists; write the rest."""
    current_by_key = {entry.key: entry for entry in current}
    keep, write = [], []
    for wanted in desired:
        found = current_by_key.get(wanted.key)
        if (
            found is not None
            and found.snapshot_date == wanted.snapshot_date
            and found.source_version == wanted.source_version
            and is_present(found)
        ):
            keep.append(found)
        else:
            write.append(wanted)
    wanted_keys = {entry.key for entry in desired}
    drop = [entry for entry in current if entry.key not in wanted_keys]
    return Plan(keep=keep, write=write, drop=drop)
