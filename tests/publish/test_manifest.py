"""Which files a publish rewrites: only what history changed, whatever the number of quarters."""

from __future__ import annotations

from datetime import date

from pipelines.publish.manifest import Entry, desired_entries, plan
from pipelines.publish.tables import published_tables
from pipelines.transform.dbt import dbt_project

PUBLISHED_TABLES = published_tables(dbt_project.manifest_path)

QUARTERS = [
    date(2024, 3, 31),
    date(2024, 6, 30),
    date(2024, 9, 30),
    date(2024, 12, 31),
    date(2025, 3, 31),
    date(2025, 6, 30),
    date(2025, 9, 30),
    date(2025, 12, 31),
]


def published(snapshots: list[tuple[date, str]]) -> list[Entry]:
    """The entries of a complete publish of `snapshots`, as if every file existed."""
    return [
        entry.made(f"{entry.table}/{entry.snapshot_date}/{entry.source_version}", 1)
        for entry in desired_entries(snapshots, PUBLISHED_TABLES)
    ]


def written(before: list[tuple[date, str]], after: list[tuple[date, str]]) -> set[tuple[str, date]]:
    the_plan = plan(desired_entries(after, PUBLISHED_TABLES), published(before), lambda entry: True)
    return {(entry.table, entry.snapshot_date) for entry in the_plan.write}


def test_every_table_is_published_and_migrations_start_at_the_second_snapshot() -> None:
    entries = desired_entries([(QUARTERS[0], "a"), (QUARTERS[1], "b")], PUBLISHED_TABLES)
    by_table = {
        table.name: [e.snapshot_date for e in entries if e.table == table.name] for table in PUBLISHED_TABLES
    }
    assert by_table["segment_history"] == QUARTERS[:2]
    assert by_table["segment_migration"] == [QUARTERS[1]]
    assert by_table["customer_segments"] == [QUARTERS[1]]


def test_publishing_a_new_quarter_writes_the_same_files_after_one_or_seven_quarters() -> None:
    # The cost of a publish must not grow with history (issue 6: quarter 8 <= 1.5 x quarter 1).
    first = written([], [(QUARTERS[0], "v0")])
    history = [(q, f"v{i}") for i, q in enumerate(QUARTERS)]
    eighth = written(history[:7], history)
    # ... plus the new migration, and the outcomes of quarter 7, which quarter 8's data decides.
    outcomes_of_seventh = {
        ("segment_outcomes", QUARTERS[6]),
        ("campaign_outcomes", QUARTERS[6]),
        ("clv_backtest", QUARTERS[6]),
    }
    assert eighth - outcomes_of_seventh == {(table, QUARTERS[7]) for table, _ in first} | {
        ("segment_migration", QUARTERS[7])
    }
    assert outcomes_of_seventh <= eighth


def test_rerunning_a_middle_quarter_rewrites_it_and_the_migrations_on_both_sides() -> None:
    history = [(q, f"v{i}") for i, q in enumerate(QUARTERS[:4])]
    rerun = [*history[:1], (QUARTERS[1], "v1-again"), *history[2:]]
    assert written(history, rerun) == {
        ("segment_history", QUARTERS[1]),
        ("tag_history", QUARTERS[1]),
        ("segment_summary", QUARTERS[1]),
        ("rfm_calibration", QUARTERS[1]),
        ("quality_results", QUARTERS[1]),
        ("segment_profiles", QUARTERS[1]),
        ("segment_portraits", QUARTERS[1]),
        ("segment_samples", QUARTERS[1]),
        ("segment_validation", QUARTERS[1]),
        ("customer_clusters", QUARTERS[1]),
        ("cluster_profiles", QUARTERS[1]),
        ("cluster_segment_crosstab", QUARTERS[1]),
        ("clv_models", QUARTERS[1]),
        ("segment_migration", QUARTERS[1]),
        ("segment_migration", QUARTERS[2]),
        # outcomes of the quarter itself and of the one before (whose next quarter it is)
        ("segment_outcomes", QUARTERS[0]),
        ("segment_outcomes", QUARTERS[1]),
        ("campaign_outcomes", QUARTERS[0]),
        ("campaign_outcomes", QUARTERS[1]),
        ("clv_backtest", QUARTERS[0]),
        ("clv_backtest", QUARTERS[1]),
    }


def test_a_missing_file_is_written_again() -> None:
    # A file deleted by hand, or by a clean-up gone wrong, heals on the next publish.
    history = [(QUARTERS[0], "v0")]
    the_plan = plan(
        desired_entries(history, PUBLISHED_TABLES),
        published(history),
        lambda entry: entry.table != "tag_history",
    )
    assert [(e.table, e.snapshot_date) for e in the_plan.write] == [("tag_history", QUARTERS[0])]
