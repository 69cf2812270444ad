"""The published tables (CONTRACT section 5): grain, how they are partitioned, and where rows come from.

`scope` decides the files: `snapshot` tables get one Parquet file per snapshot date (partition
column `snapshot_date`), `migration` one per later snapshot of a pair (`to_snapshot`), `latest`
one file for the latest snapshot. `stored` decides the DuckDB file: `view` reads the Parquet files
(the large tables, so that a publish never copies earlier quarters), `table` is a physical copy
(small tables, a few rows per snapshot).

Column descriptions (shown by BI tools as column comments) have one home each: `mart` names the dbt
model whose column descriptions (its YAML, read from the dbt manifest) apply to the columns copied
from it, and `columns` describes the columns the publish and quality code adds, written next to the
SQL that creates them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pipelines.publish.history import CONTACT_COLUMNS, MART_COPIES, MIGRATION_COLUMNS, sql
from pipelines.quality.results import COLUMN_DESCRIPTIONS as QUALITY_RESULT_COLUMNS

PARTITION_COLUMNS = {"snapshot": "snapshot_date", "migration": "to_snapshot"}
# Columns a published table starts with (the partition column is appended last by hive readers).
LEADING_COLUMNS = {"snapshot": ("snapshot_date",), "migration": ("from_snapshot", "to_snapshot")}


@dataclass(frozen=True)
class PublishedTable:
    """One table BI tools read; `query` selects the rows of one partition (`$snapshot_date`)."""

    name: str
    description: str
    scope: Literal["snapshot", "migration", "latest"]
    stored: Literal["view", "table"]
    query: str
    mart: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def partition_column(self) -> str | None:
        """The hive partition column of the Parquet files (not stored inside them), if any."""
        return PARTITION_COLUMNS.get(self.scope)

    @property
    def leading_columns(self) -> tuple[str, ...]:
        return LEADING_COLUMNS.get(self.scope, ())


def _mart(history_table: str) -> str:
    """The dbt model a history table copies (`marts.dim_customers` -> `dim_customers`)."""
    return MART_COPIES[history_table].split(".")[-1]


def _snapshot_rows(table: str, column: str = "snapshot_date") -> str:
    # The partition column lives in the directory name (hive layout), not in the file.
    return f"select * exclude ({column}) from history.{table} where {column} = $snapshot_date"


PUBLISHED_TABLES = (
    PublishedTable(
        "segment_history",
        "One row per snapshot date and customer: RFM features, scores, segments, tiers and strategy.",
        "snapshot",
        "view",
        _snapshot_rows("segment_history"),
        mart=_mart("segment_history"),
    ),
    PublishedTable(
        "tag_history",
        "One row per snapshot date, customer and tag_code: the three-level tags.",
        "snapshot",
        "view",
        _snapshot_rows("tag_history"),
        mart=_mart("tag_history"),
    ),
    PublishedTable(
        "segment_summary",
        "One row per snapshot date and segment: customers, shares, revenue and mean R/F/M.",
        "snapshot",
        "table",
        _snapshot_rows("segment_summary"),
        mart=_mart("segment_summary"),
    ),
    PublishedTable(
        "rfm_calibration",
        "One row per snapshot date, RFM metric and score: the cut points used (recalibrated per snapshot).",
        "snapshot",
        "table",
        _snapshot_rows("rfm_calibration"),
        mart=_mart("rfm_calibration"),
    ),
    PublishedTable(
        "quality_results",
        "One row per snapshot date and quality check: outcome, severity, observed value and threshold.",
        "snapshot",
        "table",
        _snapshot_rows("quality_results"),
        columns=QUALITY_RESULT_COLUMNS,
    ),
    PublishedTable(
        "segment_migration",
        "One row per pair of consecutive snapshots, origin and destination segment: customers moving "
        "(origin newly_registered: registered since the earlier snapshot).",
        "migration",
        "table",
        _snapshot_rows("segment_migration", "to_snapshot"),
        columns=MIGRATION_COLUMNS,
    ),
    PublishedTable(
        "customer_segments",
        "One row per customer: the latest snapshot of segment_history, with masked name and phone and "
        "a salted contact hash.",
        "latest",
        "view",
        sql("customer_segments"),
        mart=_mart("segment_history"),
        columns=CONTACT_COLUMNS,
    ),
    PublishedTable(
        "customer_tags",
        "One row per customer and tag_code: the latest snapshot of tag_history.",
        "latest",
        "view",
        "select * from history.tag_history where snapshot_date = $snapshot_date",
        mart=_mart("tag_history"),
    ),
    PublishedTable(
        "tag_catalog",
        "One row per tag_code: definition, data source and rule of every tag (as of the latest snapshot).",
        "latest",
        "table",
        "select * from history.tag_catalog where snapshot_date = $snapshot_date",
        mart=_mart("tag_catalog"),
    ),
)
TABLES_BY_NAME = {table.name: table for table in PUBLISHED_TABLES}
