"""Point in time: an old quarter built from today's data equals the run at that quarter's end."""

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


def _table(warehouse: Path, table: str) -> pd.DataFrame:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        frame = conn.sql(f"select * from marts.{table}").df()
    return frame.sort_values(KEYS[table]).reset_index(drop=True)


@pytest.mark.parametrize("table", MARTS)
def test_old_quarter_from_full_data_equals_the_cut_data(
    old_quarter_builds: tuple[Path, Path], table: str
) -> None:
    full, cut = old_quarter_builds
    from_full, from_cut = _table(full, table), _table(cut, table)
    assert len(from_full) > 0
    pd.testing.assert_frame_equal(from_full, from_cut, check_exact=True)


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
    assert "H06" not in rows  # no version of it existed yet
    assert rows["H09"][1] == 1  # still completed then, refunded later
    assert rows["H10"][1] == 1  # 23:30 on 2025-06-30 counts, 00:10 on 2025-07-01 does not
    assert rows["H01"][2] == "history"
