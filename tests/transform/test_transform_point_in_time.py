"""Point in time: an old quarter built from today's data equals the run at that quarter's end.

One difference is wanted (CONTRACT section 4): a customer registered on or before D whose every CRM
version was updated after D (H06) is in the snapshot built from today's data, with the attributes of
its earliest version and `attributes_known_at_as_of` false, while data cut at D has no row of it at
all. Everything else, the other customers' scores included, must be equal.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.transform.conftest import DbtResult, query

MARTS = [
    "dim_customers",
    "fct_customer_tags",
    "dim_rfm_calibration",
    "fct_segment_summary",
    "dim_tag_catalog",
]
KEYS = {
    "dim_customers": ["customer_id"],
    "fct_customer_tags": ["customer_id", "tag_code"],
    "dim_rfm_calibration": ["metric", "score"],
    "fct_segment_summary": ["segment"],
    "dim_tag_catalog": ["tag_code"],
}


@pytest.fixture(scope="module")
def old_quarter_builds(dbt_runs: dict[str, DbtResult]) -> tuple[Path, Path]:
    """The old quarter from the full data, and from the data as a run at its end had it."""
    return dbt_runs["old_full"].check(), dbt_runs["old_cut"].check()


def _table(warehouse: Path, table: str, without: list[str] = ()) -> pd.DataFrame:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        frame = conn.sql(f"select * from marts.{table}").df()
    if "customer_id" in frame.columns:
        frame = frame[~frame["customer_id"].isin(list(without))]
    return frame.sort_values(KEYS[table]).reset_index(drop=True)


def _known_only_later(warehouse: Path) -> list[str]:
    rows = query(warehouse, "select customer_id from marts.dim_customers where not attributes_known_at_as_of")
    return [row[0] for row in rows]


@pytest.mark.parametrize("table", [t for t in MARTS if t != "fct_segment_summary"])
def test_old_quarter_from_full_data_equals_the_cut_data(
    old_quarter_builds: tuple[Path, Path], table: str
) -> None:
    full, cut = old_quarter_builds
    later = _known_only_later(full)
    assert later == ["H06"]
    from_full, from_cut = _table(full, table, without=later), _table(cut, table)
    assert len(from_full) > 0
    pd.testing.assert_frame_equal(from_full, from_cut, check_exact=True)


def test_old_quarter_summary_differs_from_the_cut_data_only_by_customers_known_later(
    old_quarter_builds: tuple[Path, Path],
) -> None:
    full, cut = old_quarter_builds
    extra = dict(
        query(
            full,
            "select segment, count(*) from marts.dim_customers "
            "where not attributes_known_at_as_of group by 1",
        )
    )
    from_full = dict(query(full, "select segment, customers from marts.fct_segment_summary"))
    from_cut = dict(query(cut, "select segment, customers from marts.fct_segment_summary"))
    assert {segment: n - extra.get(segment, 0) for segment, n in from_full.items()} == {
        segment: from_cut.get(segment, 0) for segment in from_full
    }


def test_old_quarter_sees_the_state_of_its_end(old_quarter_builds: tuple[Path, Path]) -> None:
    full, _ = old_quarter_builds
    rows = {
        r[0]: r[1:]
        for r in query(
            full, "select customer_id, snapshot_date, frequency, city_tier_source from marts.dim_customers"
        )
    }
    assert all(str(snapshot) == "2025-06-30" for snapshot, *_ in rows.values())
    assert "H02" not in rows  # registered later
    # registered before D, every version updated after it: there, without orders (the order's only
    # version is dated after D too), flagged as known only from a later version
    assert rows["H06"][1] == 0
    assert query(
        full, "select attributes_known_at_as_of from marts.dim_customers where customer_id = 'H06'"
    ) == [(False,)]
    assert rows["H09"][1] == 1  # still completed then, refunded later
    assert rows["H10"][1] == 1  # 23:30 on 2025-06-30 counts, 00:10 on 2025-07-01 does not
    assert rows["H01"][2] == "history"
