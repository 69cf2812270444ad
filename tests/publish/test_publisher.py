"""Publishing on a tiny warehouse: files built aside and swapped in, readers never disturbed."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.publish import files, publisher
from pipelines.publish.database import read_published
from pipelines.publish.publisher import publish
from pipelines.transform.dbt import dbt_project
from tests.publish.contract import TABLES, undescribed
from tests.publish.history_builder import build_quarter, contact

Q1, Q2, Q3 = date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30)
SEGMENTS = {
    Q1: {"C1": "loyal", "C2": "potential"},
    Q2: {"C1": "loyal", "C2": "loyal", "C3": "potential"},
    Q3: {"C1": "churn_risk", "C2": "loyal", "C3": "potential", "C4": "potential"},
}


def write_history(
    warehouse: Path, quarters: list[date], segments: dict[date, dict[str, str]] = SEGMENTS
) -> None:
    for as_of in quarters:
        build_quarter(warehouse, as_of, segments[as_of])


def publish_from(warehouse: Path, published: Path, run_id: str = "run-0000") -> publisher.PublishResult:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return publish(conn, published, run_id, lambda message: None, dbt_project.manifest_path)


def table_counts(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as conn:
        return {table: conn.execute(f"select count(*) from {table}").fetchone()[0] for table in TABLES}


@pytest.fixture(scope="module")
def three_quarters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("history") / "warehouse.duckdb"
    write_history(path, [Q1, Q2, Q3])
    return path


@pytest.fixture
def warehouse(three_quarters: Path, tmp_path: Path) -> Path:
    """A copy of three quarters of history, for this test to change."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(three_quarters, path)
    return path


def test_published_file_and_parquet_mirror_hold_every_table(warehouse: Path, tmp_path: Path) -> None:
    result = publish_from(warehouse, tmp_path / "published")
    counts = table_counts(result.database)
    assert counts["segment_history"] == 2 + 3 + 4 and counts["customer_segments"] == 4
    assert counts["segment_migration"] > 0 and counts["tag_catalog"] > 0
    mirror = tmp_path / "published" / "parquet"
    partitions = sorted(p.parent.name for p in (mirror / "segment_history").rglob("*.parquet"))
    assert partitions == [f"snapshot_date={q}" for q in (Q1, Q2, Q3)]
    # Plain Parquet readers (pandas / pyarrow, hive layout) see the same rows as the DuckDB file.
    for table in ("segment_history", "segment_migration", "customer_segments", "tag_catalog"):
        assert len(pd.read_parquet(mirror / table)) == counts[table], table
    with duckdb.connect(str(result.database), read_only=True) as conn:
        first = conn.execute("select * from customer_segments order by customer_id limit 1").df()
    assert first.loc[0, "name_masked"].endswith("*") and first.loc[0, "phone_masked"] == "138****0001"


def test_every_table_and_column_of_the_published_file_has_a_description(
    warehouse: Path, tmp_path: Path
) -> None:
    result = publish_from(warehouse, tmp_path / "published")
    assert result.undocumented_columns == []
    with duckdb.connect(str(result.database), read_only=True) as conn:
        assert undescribed(conn) == []
        comments = dict(
            conn.execute(
                "select table_name || '.' || column_name, comment from duckdb_columns() "
                "where database_name = current_database() and schema_name = 'main'"
            ).fetchall()
        )
    # From the dbt YAML (a doc block, rendered), and from the publish code.
    assert comments["segment_history.snapshot_date"].startswith("The as-of date D of the snapshot")
    assert comments["customer_segments.name_masked"].startswith("The customer's name masked")


def test_a_column_without_a_description_is_reported_and_left_uncommented(
    warehouse: Path, tmp_path: Path
) -> None:
    # A mart gains a column nobody described: history takes it (append_new_columns), and so do the
    # published tables, uncommented and reported.
    build_quarter(
        warehouse,
        Q3,
        SEGMENTS[Q3],
        change_marts="alter table marts.dim_customers add column undocumented_score integer",
    )
    result = publish_from(warehouse, tmp_path / "published")
    assert sorted(result.undocumented_columns) == [
        "main.customer_segments.undocumented_score",
        "main.segment_history.undocumented_score",
    ]
    with duckdb.connect(str(result.database), read_only=True) as conn:
        assert undescribed(conn) == [
            "column main.customer_segments.undocumented_score",
            "column main.segment_history.undocumented_score",
        ]


def test_no_raw_contact_value_is_published(warehouse: Path, tmp_path: Path) -> None:
    result = publish_from(warehouse, tmp_path / "published")
    raw = {value for cid in ("C1", "C2", "C3", "C4") for value in contact(cid)}
    with duckdb.connect(str(result.database), read_only=True) as conn:
        for table in TABLES:
            values = {str(v) for row in conn.execute(f"select * from {table}").fetchall() for v in row}
            assert not values & raw, table


def test_republishing_unchanged_history_writes_nothing(warehouse: Path, tmp_path: Path) -> None:
    first = publish_from(warehouse, tmp_path / "published")
    second = publish_from(warehouse, tmp_path / "published", "run-1111")
    assert second.written == [] and second.entries == first.entries
    assert table_counts(second.database) == table_counts(first.database)


def test_a_reader_holding_the_old_file_keeps_its_consistent_view(warehouse: Path, tmp_path: Path) -> None:
    published = tmp_path / "published"
    first = publish_from(warehouse, published)
    reader = duckdb.connect(str(first.database), read_only=True)
    try:
        old_counts = reader.execute(
            "select segment, count(*) from segment_history group by 1 order by 1"
        ).fetchall()
        # Q2 re-run with different segments; the publish neither waits for nor disturbs the reader.
        changed = {**SEGMENTS, Q2: {"C1": "churn_risk", "C2": "churn_risk", "C3": "churn_risk"}}
        write_history(warehouse, [Q2], changed)
        second = publish_from(warehouse, published, "run-2222")
        assert {e.table for e in second.written} >= {"segment_history", "segment_migration"}
        assert (
            reader.execute("select segment, count(*) from segment_history group by 1 order by 1").fetchall()
            == old_counts
        )
    finally:
        reader.close()
    with duckdb.connect(str(second.database), read_only=True) as conn:
        now_churn = conn.execute(
            f"select count(*) from segment_history where snapshot_date = '{Q2}' and segment = 'churn_risk'"
        ).fetchone()[0]
    assert now_churn == 3
    # The mirror shows the re-run quarter too, still one file per partition.
    assert len(list((published / "parquet" / "segment_history").rglob("*.parquet"))) == 3


def test_a_publish_killed_before_the_swap_leaves_the_previous_file(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = tmp_path / "published"
    first = publish_from(warehouse, published)
    before = table_counts(first.database)
    write_history(warehouse, [Q3], {**SEGMENTS, Q3: dict.fromkeys(SEGMENTS[Q3], "loyal")})

    def killed(staged: Path, database: Path) -> None:
        assert staged.exists()  # the new file was complete, only the swap was missing
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(publisher, "swap_in", killed)
    with pytest.raises(KeyboardInterrupt):
        publish_from(warehouse, published, "run-3333")
    assert read_published(first.database).publish_id == first.publish_id
    assert table_counts(first.database) == before
    assert list(published.glob(".segments.duckdb.*"))  # the leftover of the killed publish

    monkeypatch.undo()
    third = publish_from(warehouse, published, "run-4444")
    with duckdb.connect(str(third.database), read_only=True) as conn:
        assert conn.execute("select distinct segment from customer_segments").fetchall() == [("loyal",)]
    assert not list(published.glob(".segments.duckdb.*"))
    with duckdb.connect(str(third.database), read_only=True) as conn:
        listed = {row[0] for row in conn.execute("select file from meta.manifest").fetchall()}
    on_disk = {p.relative_to(published).as_posix() for p in (published / "_versions").rglob("*.parquet")}
    # Files of the killed publish were never referenced by a published file: gone.
    assert not any("-run-3333" in path for path in on_disk) and listed <= on_disk


def test_superseded_files_are_deleted_after_the_retention(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = tmp_path / "published"
    first = publish_from(warehouse, published, "run-a")
    write_history(warehouse, [Q3])
    second = publish_from(warehouse, published, "run-b")
    write_history(warehouse, [Q3])
    monkeypatch.setattr(files, "SUPERSEDED_RETENTION", timedelta(0))
    last = publish_from(warehouse, published, "run-c")
    on_disk = {p.relative_to(published).as_posix() for p in (published / "_versions").rglob("*.parquet")}
    # Kept: this publish's files and those of the one it replaced (a reader may hold it right now);
    # the first publish's Q3 files, superseded twice, are gone.
    assert on_disk == {e.file for e in last.entries} | {e.file for e in second.entries}
    assert {e.file for e in first.entries} - on_disk


def test_a_second_publish_waits_for_the_first(tmp_path: Path) -> None:
    messages: list[str] = []
    with (
        files.publish_lock(tmp_path, messages.append),
        pytest.raises(files.PublishLockTimeoutError, match="another publish"),
        files.publish_lock(tmp_path, messages.append, timeout=1.5),
    ):
        pass
    assert messages == [f"Waiting for another publish to finish ({tmp_path / files.LOCK_NAME})"]
    with files.publish_lock(tmp_path, messages.append, timeout=0):
        pass  # released by the first


def test_publish_ids_sort_by_time() -> None:
    early = publisher.new_publish_id("abcdef123456", datetime(2026, 1, 1, tzinfo=UTC))
    late = publisher.new_publish_id("000000", datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC))
    assert early < late and early.endswith("-abcdef12")
