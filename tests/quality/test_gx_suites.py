"""Each GX suite in expectations/: a known-good frame passes, and a known-bad one fails exactly the
expectation it was made to break (ephemeral GX context, no warehouse)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from pipelines.quality.gx import validate
from pipelines.settings import EXPECTATIONS_DIR

PARAMETERS: dict[str, dict[str, Any]] = {
    "raw_schema": {"expected_columns": ["customer_id VARCHAR", "updated_at TIMESTAMP WITH TIME ZONE"]},
    "raw_keys": {"min_rows": 1},
    "raw_load": {"max_quarantine_rate": 0.05, "max_volume_change": 0.5, "min_volume_change": -0.5},
    "segment_share_drift": {"max_points": 10},
    "monetary_shift": {"max_change": 0.25, "min_change": -0.25},
}

GOOD: dict[str, pd.DataFrame] = {
    "raw_schema": pd.DataFrame(
        {
            "column_name": ["customer_id", "updated_at", "crm_owner"],
            "data_type": ["VARCHAR", "TIMESTAMP WITH TIME ZONE", "VARCHAR"],
            "column_spec": [
                "customer_id VARCHAR",
                "updated_at TIMESTAMP WITH TIME ZONE",
                "crm_owner VARCHAR",
            ],
        }
    ),
    "raw_keys": pd.DataFrame([{"rows_stored": 12, "latest_rows": 10, "null_keys": 0, "duplicate_keys": 0}]),
    "raw_load": pd.DataFrame(
        [
            {
                "rows_read": 1000,
                "rows_quarantined": 10,
                "quarantine_rate": 0.01,
                "previous_rows_read": 900,
                "volume_change": 0.111,
            }
        ]
    ),
    "segment_share_drift": pd.DataFrame({"segment": ["regular", "potential"], "moved_points": [4.0, 9.99]}),
    "monetary_shift": pd.DataFrame(
        [{"mean_monetary": 110.0, "previous_mean_monetary": 100.0, "relative_change": 0.1}]
    ),
}

# (suite, why, how the good frame is broken, the one (column, expectation) that must fail)
BAD: list[tuple[str, str, Callable[[pd.DataFrame], pd.DataFrame], tuple[str | None, str | None]]] = [
    (
        "raw_schema",
        "a contract column is missing",
        lambda f: f[f.column_name != "updated_at"],
        ("column_spec", "expect_column_distinct_values_to_contain_set"),
    ),
    (
        "raw_schema",
        "a contract column changed type",
        lambda f: f.assign(column_spec=f.column_spec.str.replace("TIMESTAMP WITH TIME ZONE", "VARCHAR")),
        ("column_spec", "expect_column_distinct_values_to_contain_set"),
    ),
    (
        "raw_schema",
        "a column twice",
        lambda f: pd.concat([f, f.iloc[[2]].assign(column_spec="crm_owner INTEGER")]),
        ("column_name", "expect_column_values_to_be_unique"),
    ),
    ("raw_keys", "empty source", lambda f: f.assign(latest_rows=0), ("latest_rows", None)),
    ("raw_keys", "a latest version without key", lambda f: f.assign(null_keys=1), ("null_keys", None)),
    (
        "raw_keys",
        "two latest versions of a key",
        lambda f: f.assign(duplicate_keys=2),
        ("duplicate_keys", None),
    ),
    (
        "raw_load",
        "nothing read",
        # an empty first load: no rate, no previous load to compare with
        lambda f: f.assign(
            rows_read=0, rows_quarantined=0, quarantine_rate=None, previous_rows_read=None, volume_change=None
        ),
        ("rows_read", None),
    ),
    (
        "raw_load",
        "too many rows quarantined",
        lambda f: f.assign(quarantine_rate=0.2),
        ("quarantine_rate", None),
    ),
    ("raw_load", "volume halved and more", lambda f: f.assign(volume_change=-0.6), ("volume_change", None)),
    (
        "raw_load",
        "volume more than 1.5 times",
        lambda f: f.assign(volume_change=0.6),
        ("volume_change", None),
    ),
    (
        "segment_share_drift",
        "a share moved 12 points",
        lambda f: f.assign(moved_points=[12.0, 1.0]),
        ("moved_points", None),
    ),
    (
        "monetary_shift",
        "mean monetary fell 40 %",
        lambda f: f.assign(relative_change=-0.4),
        ("relative_change", None),
    ),
    (
        "monetary_shift",
        "mean monetary rose 30 %",
        lambda f: f.assign(relative_change=0.3),
        ("relative_change", None),
    ),
]


def test_every_suite_file_is_covered_and_named_after_its_file() -> None:
    files = {path.stem for path in EXPECTATIONS_DIR.glob("*.json")}
    assert files == set(GOOD)
    for stem in files:
        assert json.loads((EXPECTATIONS_DIR / f"{stem}.json").read_text())["name"] == stem


@pytest.mark.parametrize("suite", sorted(GOOD))
def test_known_good_frame_passes(suite: str) -> None:
    result = validate(GOOD[suite], suite, PARAMETERS[suite])
    assert result.success, result.failed_expectations


@pytest.mark.parametrize(
    "suite, why, break_frame, expected", BAD, ids=[f"{suite}: {why}" for suite, why, *_ in BAD]
)
def test_known_bad_frame_fails_the_expectation_it_breaks(
    suite: str, why: str, break_frame: Callable[[pd.DataFrame], pd.DataFrame], expected: tuple
) -> None:
    column, expectation = expected
    result = validate(break_frame(GOOD[suite].copy()), suite, PARAMETERS[suite])
    failed = [(o.column, o.expectation) for o in result.outcomes if not o.success]
    assert len(failed) == 1, f"{why}: expected one failure, got {result.failed_expectations}"
    assert failed[0][0] == column and (expectation is None or failed[0][1] == expectation), failed


def test_every_suite_has_a_known_bad_frame() -> None:
    assert {suite for suite, *_ in BAD} == set(GOOD)


@pytest.mark.parametrize("suite", ["segment_share_drift", "monetary_shift"])
def test_no_previous_snapshot_passes(suite: str) -> None:
    # the frames the drift checks build without a previous snapshot: no rows, or a null change
    frame = (
        GOOD[suite].iloc[0:0]
        if suite == "segment_share_drift"
        else GOOD[suite].assign(previous_mean_monetary=None, relative_change=None)
    )
    assert validate(frame, suite, PARAMETERS[suite]).success


def test_raw_keys_of_a_source_that_may_be_empty() -> None:
    # orders and tickets run the suite with min_rows 0: their empty table passes
    empty = GOOD["raw_keys"].assign(rows_stored=0, latest_rows=0)
    assert validate(empty, "raw_keys", {"min_rows": 0}).success
    assert not validate(empty, "raw_keys", {"min_rows": 1}).success


def test_failure_message_names_column_observed_value_and_bound() -> None:
    result = validate(GOOD["raw_keys"].assign(duplicate_keys=3), "raw_keys", PARAMETERS["raw_keys"])
    assert result.failed_expectations == ["duplicate_keys: found 3, expected = 0 (column_max_to_be_between)"]
    result = validate(GOOD["raw_load"].assign(quarantine_rate=0.2), "raw_load", PARAMETERS["raw_load"])
    assert result.failed_expectations == [
        "quarantine_rate: found 0.2, expected between 0 and 0.05 (column_values_to_be_between)"
    ]
