"""Same arguments give byte-identical files in every format; another seed gives other data."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from pipelines.extract.sources import SOURCES
from pipelines.generate import DirtyRates, generate_sources, latest_complete_quarter_end
from tests.generate.conftest import HIGH_RATES, Generate, open_sources

FORMATS = ["csv", "parquet", "jsonl"]


def _digests(paths: dict[str, Path]) -> dict[str, str]:
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in paths.items()}


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_arguments_give_identical_bytes(generate: Generate, fmt: str) -> None:
    first, second = generate(fmt, dirty=HIGH_RATES), generate(fmt, dirty=HIGH_RATES, copy=1)
    assert first.out_dir != second.out_dir
    assert _digests(first.paths) == _digests(second.paths)
    assert first.rows == second.rows and first.dirty == second.dirty


def test_another_seed_gives_other_data(generate: Generate) -> None:
    first, other = generate("parquet", dirty=HIGH_RATES), generate("parquet", seed=7, dirty=HIGH_RATES)
    for name, digest in _digests(first.paths).items():
        assert _digests(other.paths)[name] != digest, name


@pytest.mark.parametrize("fmt", FORMATS)
def test_files_hold_exactly_the_spec_columns_in_order(generate: Generate, fmt: str) -> None:
    summary = generate(fmt, dirty=HIGH_RATES)
    conn = open_sources(summary)
    for spec in SOURCES:
        view = {"crm_customers": "crm", "orders": "orders", "tickets": "tickets"}[spec.name]
        assert conn.sql(f"select * from {view} limit 0").columns == spec.column_names
        assert summary.paths[spec.name].name == f"{spec.name}.{fmt}"


def test_no_dirty_rates_give_no_dirty_rows(generate: Generate) -> None:
    summary = generate("csv", dirty=DirtyRates.none())
    assert all(n == 0 for kinds in summary.dirty.values() for n in kinds.values())
    conn = open_sources(summary)
    # every key unique, every required field present and parseable, every customer known
    assert conn.execute(
        "select count(*) = count(distinct customer_id) and count(customer_id) = count(*) from crm"
    ).fetchone() == (True,)
    assert conn.execute(
        "select count(*) = count(distinct order_id), count(*) filter (where ts(order_ts) is null "
        "or ts(order_ts) > end_ts() or amount::decimal(18, 2) < 0 or customer_id not in "
        "(select customer_id from crm)) from orders"
    ).fetchone() == (True, 0)
    assert conn.execute(
        "select count(*) = count(distinct ticket_id), count(*) filter (where ts(created_at) is null "
        "or ts(created_at) > end_ts() or customer_id not in (select customer_id from crm)) from tickets"
    ).fetchone() == (True, 0)


def test_end_date_defaults_to_the_latest_complete_quarter_and_another_format_replaces(
    tmp_path: Path,
) -> None:
    first = generate_sources(tmp_path, customers=100, fmt="csv")
    assert first.end_date == latest_complete_quarter_end(date.today())
    summary = generate_sources(tmp_path, customers=100, end_date=date(2025, 12, 31), fmt="parquet")
    # the csv files are gone: two formats of one source would be ambiguous for extraction
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in summary.paths.values())


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 1, 1), date(2025, 12, 31)),  # first day of a quarter: the previous one just ended
        (date(2025, 12, 31), date(2025, 9, 30)),  # last day of a quarter: it is not complete yet
        (date(2024, 5, 15), date(2024, 3, 31)),
        (date(2024, 2, 29), date(2023, 12, 31)),  # leap day, across a year
    ],
)
def test_latest_complete_quarter_end(today: date, expected: date) -> None:
    assert latest_complete_quarter_end(today) == expected


def test_invalid_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        generate_sources(tmp_path, customers=10, fmt="xlsx")
    with pytest.raises(ValueError, match="customers"):
        generate_sources(tmp_path, customers=0)
    with pytest.raises(ValueError, match="rate"):
        DirtyRates(negative_amount=1.5)
