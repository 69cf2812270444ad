"""The published tables, read from the dbt manifest: every model or source whose YAML says
`meta: publish: {...}` (dbt_project/models/history/_history__models.yml explains the keys).

Adding a published table is therefore one dbt model and its YAML. A table partitioned by a column
gets one Parquet file per value (`to_snapshot` for migrations, which show two writes of history);
one without gets a single file, that of the latest snapshot, unless it is `latest_of` a
partitioned table: then it is that table's latest partition file (same rows, written once; at 1M
customers `customer_tags` would otherwise rewrite 15M tag rows). Column descriptions come from the
node's YAML, over those of the model named in `columns_from` (the mart a history table copies).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

MIGRATION_COLUMN = "to_snapshot"
SNAPSHOT_COLUMN = "snapshot_date"
LEADING_COLUMNS = {SNAPSHOT_COLUMN: (SNAPSHOT_COLUMN,), MIGRATION_COLUMN: ("from_snapshot", "to_snapshot")}


class ManifestMissingError(FileNotFoundError):
    """No dbt manifest to read the published tables from."""


@dataclass(frozen=True)
class PublishedTable:
    """One table BI tools read; `query` selects the rows of one partition (`$snapshot_date`)."""

    name: str
    description: str
    relation: str
    stored: Literal["view", "table"]
    partition_column: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    latest_of: str | None = None

    @property
    def scope(self) -> Literal["snapshot", "migration", "latest"]:
        if self.partition_column is None:
            return "latest"
        return "migration" if self.partition_column == MIGRATION_COLUMN else "snapshot"

    @property
    def file_partition_column(self) -> str | None:
        """The column its files' hive directories name (that of the table it is `latest_of`)."""
        return SNAPSHOT_COLUMN if self.latest_of else self.partition_column

    @property
    def leading_columns(self) -> tuple[str, ...]:
        """Columns the table starts with (hive readers append the partition column last)."""
        return LEADING_COLUMNS.get(self.file_partition_column or "", ())

    @property
    def query(self) -> str:
        if self.partition_column is None:
            return f"select * from {self.relation}"
        # The partition column lives in the directory name (hive layout), not in the file.
        column = self.partition_column
        return f"select * exclude ({column}) from {self.relation} where {column} = $snapshot_date"


def _described(node: Mapping[str, Any]) -> dict[str, str]:
    return {
        name: (column.get("description") or "").strip()
        for name, column in node.get("columns", {}).items()
        if (column.get("description") or "").strip()
    }


@cache
def _published_tables(manifest_path: Path, modified: float) -> tuple[PublishedTable, ...]:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    tables = []
    for node in [*models.values(), *manifest["sources"].values()]:
        publish = node.get("config", {}).get("meta", {}).get("publish") or node.get("meta", {}).get("publish")
        if not publish:
            continue
        columns = _described(models[publish["columns_from"]]) if "columns_from" in publish else {}
        name = node.get("identifier") or node.get("alias") or node["name"]
        tables.append(
            PublishedTable(
                name=node["name"],
                description=" ".join(node.get("description", "").split()),
                relation=f"{node['schema']}.{name}",
                stored=publish.get("stored", "table"),
                partition_column=publish.get("partition_by"),
                columns=columns | _described(node),
                latest_of=publish.get("latest_of"),
            )
        )
    by_name = {table.name: table for table in tables}
    for table in tables:
        if not table.latest_of:
            continue
        source = by_name.get(table.latest_of)
        if source is None or source.partition_column != SNAPSHOT_COLUMN or table.partition_column:
            raise ValueError(
                f"published table {table.name}: latest_of must name a table partitioned by snapshot_date "
                f"(got {table.latest_of!r}) and {table.name} must not be partitioned itself"
            )
    return tuple(sorted(tables, key=lambda table: table.name))


def published_tables(manifest_path: Path) -> tuple[PublishedTable, ...]:
    """Every published table of the dbt project whose manifest is at `manifest_path`."""
    if not manifest_path.is_file():
        raise ManifestMissingError(
            f"no dbt manifest at {manifest_path}: run `make install` (dbt parse) or a dbt build first"
        )
    return _published_tables(manifest_path, manifest_path.stat().st_mtime)
