"""Each GX suite in expectations/: a known-good frame passes, and a known-bad one fails exactly the
expectation it was made to break (ephemeral GX context, no warehouse); and the Data Docs index of
the file context stays bounded."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from pipelines.quality.gx import validate
from pipelines.settings import EXPECTATIONS_DIR

SEGMENT_CODES = ["high_value_loyal", "potential", "regular"]
PARAMETERS: dict[str, dict[str, Any]] = {
    "raw_schema": {"expected_columns": ["customer_id VARCHAR", "updated_at TIMESTAMP WITH TIME ZONE"]},
    "raw_keys": {"min_rows": 1},
    "raw_load": {"max_quarantine_rate": 0.05, "max_volume_change": 0.5, "min_volume_change": -0.5},
    "segment_shares": {"segment_codes": SEGMENT_CODES, "population": 10},
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
    "customer_features": pd.DataFrame(
        [
            {
                "customers": 10,
                "null_customer_ids": 0,
                "duplicate_customer_ids": 0,
                "missing_frequency_or_monetary": 0,
                "negative_order_counts": 0,
                "negative_spend": 0,
                "negative_day_counts": 0,
                "rates_out_of_range": 0,
                "buyers_without_recency": 0,
            }
        ]
    ),
    "rfm_scores": pd.DataFrame(
        {
            "metric": ["frequency", "frequency", "frequency", "recency_days", "recency_days"],
            "score": [1, 3, 5, 1, 5],
            # score 1 of frequency holds the customers without orders too: no ranking below it
            "worst_ranking": [1.0, 3.0, 8.0, -400.0, -30.0],
            "best_ranking_below": [None, 2.0, 7.0, None, -31.0],
        }
    ),
    "segments": pd.DataFrame(
        [
            {
                "customers": 10,
                "null_customer_ids": 0,
                "duplicate_customer_ids": 0,
                "customers_without_segment": 0,
                "customers_with_unknown_segment": 0,
                "registered_customers_missing": 0,
            }
        ]
    ),
    "segment_shares": pd.DataFrame(
        {
            "segment": ["high_value_loyal", "potential", "regular"],
            "customers": [2, 3, 5],
            "customer_share": [0.2, 0.3, 0.5],
        }
    ),
    "customer_tags": pd.DataFrame(
        {
            "tag_code": ["churn_risk_high", "category_preference"],
            "in_catalog": [True, True],
            "matches_catalog": [True, True],
        }
    ),
    "segment_share_drift": pd.DataFrame({"segment": ["regular", "potential"], "moved_points": [4.0, 9.99]}),
    "monetary_shift": pd.DataFrame(
        [{"mean_monetary": 110.0, "previous_mean_monetary": 100.0, "relative_change": 0.1}]
    ),
}

# (suite, why, how the good frame is broken, the one column/expectation that must fail)
BAD = [
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
        "too many rows quarantined",
        lambda f: f.assign(quarantine_rate=0.2),
        ("quarantine_rate", None),
    ),
    ("raw_load", "volume halved and more", lambda f: f.assign(volume_change=-0.6), ("volume_change", None)),
    ("customer_features", "empty population", lambda f: f.assign(customers=0), ("customers", None)),
    (
        "customer_features",
        "duplicate customers",
        lambda f: f.assign(duplicate_customer_ids=1),
        ("duplicate_customer_ids", None),
    ),
    ("customer_features", "negative spend", lambda f: f.assign(negative_spend=3), ("negative_spend", None)),
    (
        "customer_features",
        "rate above 1",
        lambda f: f.assign(rates_out_of_range=1),
        ("rates_out_of_range", None),
    ),
    (
        "rfm_scores",
        "score 6",
        lambda f: f.assign(score=[1, 3, 6, 1, 5]),
        ("score", "expect_column_values_to_be_between"),
    ),
    (
        "rfm_scores",
        "a null score",
        lambda f: f.assign(score=[1, 3, None, 1, 5]),
        ("score", "expect_column_values_to_not_be_null"),
    ),
    # a better frequency (7) got a lower score than a worse one (8): not monotonic
    (
        "rfm_scores",
        "not monotonic",
        lambda f: f.assign(best_ranking_below=[None, 2.0, 9.0, None, -31.0]),
        (None, "expect_column_pair_values_a_to_be_greater_than_b"),
    ),
    # equal values split across two scores (tie): the worst of 5 equals the best below it
    (
        "rfm_scores",
        "tie split across scores",
        lambda f: f.assign(best_ranking_below=[None, 2.0, 8.0, None, -31.0]),
        (None, "expect_column_pair_values_a_to_be_greater_than_b"),
    ),
    ("segments", "empty population", lambda f: f.assign(customers=0), ("customers", None)),
    (
        "segments",
        "a customer twice",
        lambda f: f.assign(duplicate_customer_ids=1),
        ("duplicate_customer_ids", None),
    ),
    (
        "segments",
        "a customer without segment",
        lambda f: f.assign(customers_without_segment=1),
        ("customers_without_segment", None),
    ),
    (
        "segments",
        "a segment not in the config",
        lambda f: f.assign(customers_with_unknown_segment=4),
        ("customers_with_unknown_segment", None),
    ),
    (
        "segments",
        "a registered customer lost",
        lambda f: f.assign(registered_customers_missing=1),
        ("registered_customers_missing", None),
    ),
    (
        "segment_shares",
        "shares sum to 0.9",
        lambda f: f.assign(customer_share=[0.2, 0.2, 0.5]),
        ("customer_share", "expect_column_sum_to_be_between"),
    ),
    (
        "segment_shares",
        "sizes do not add up to the population",
        lambda f: f.assign(customers=[2, 3, 4]),
        ("customers", "expect_column_sum_to_be_between"),
    ),
    (
        "segment_shares",
        "unknown segment",
        lambda f: f.assign(segment=["high_value_loyal", "potential", "vip"]),
        ("segment", "expect_column_values_to_be_in_set"),
    ),
    (
        "customer_tags",
        "tag code not in the catalog",
        lambda f: f.assign(in_catalog=[True, False]),
        ("in_catalog", None),
    ),
    (
        "customer_tags",
        "tag value not the catalog's",
        lambda f: f.assign(matches_catalog=[False, True]),
        ("matches_catalog", None),
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
]


def test_every_suite_file_is_covered_and_named_after_its_file() -> None:
    files = {path.stem for path in EXPECTATIONS_DIR.glob("*.json")}
    assert files == set(GOOD)
    for stem in files:
        assert json.loads((EXPECTATIONS_DIR / f"{stem}.json").read_text())["name"] == stem


@pytest.mark.parametrize("suite", sorted(GOOD))
def test_known_good_frame_passes(suite: str) -> None:
    result = validate(GOOD[suite], suite, PARAMETERS.get(suite))
    assert result.success, result.failed_expectations


@pytest.mark.parametrize(
    "suite, why, break_frame, expected", BAD, ids=[f"{suite}: {why}" for suite, why, *_ in BAD]
)
def test_known_bad_frame_fails_the_expectation_it_breaks(
    suite: str, why: str, break_frame: Callable[[pd.DataFrame], pd.DataFrame], expected: tuple
) -> None:
    column, expectation = expected
    result = validate(break_frame(GOOD[suite].copy()), suite, PARAMETERS.get(suite))
    failed = [(o.column, o.expectation) for o in result.failures]
    assert len(failed) == 1, f"{why}: expected one failure, got {result.failed_expectations}"
    assert failed[0][0] == column and (expectation is None or failed[0][1] == expectation), failed


def test_failure_message_names_column_observed_value_and_bound() -> None:
    result = validate(GOOD["segments"].assign(duplicate_customer_ids=3), "segments")
    assert result.failed_expectations == [
        "duplicate_customer_ids: found 3, expected = 0 (column_max_to_be_between)"
    ]


def test_empty_segment_summary_fails_as_an_empty_population() -> None:
    # No segment at all: the row count fails, and so do both sums (0 is neither 1 nor the population).
    result = validate(GOOD["segment_shares"].iloc[0:0], "segment_shares", PARAMETERS["segment_shares"])
    assert {o.expectation for o in result.failures} == {
        "expect_table_row_count_to_be_between",
        "expect_column_sum_to_be_between",
    }


def test_data_docs_index_lists_only_the_latest_results(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GX re-reads every result the index lists after each validation: the list is bounded, older
    pages stay on disk (the per-check cost must not grow with the quarters of history)."""
    from pipelines.quality import gx

    monkeypatch.setattr(gx, "INDEX_LIMIT", 2)
    pages = [
        validate(
            GOOD["raw_keys"], "raw_keys", PARAMETERS["raw_keys"], docs=gx.DataDocs(tmp_path, f"run-{i}")
        ).data_docs_page
        for i in range(4)
    ]
    assert all(page is not None and page.is_file() for page in pages)
    index = (tmp_path / "data_docs" / "index.html").read_text()
    listed = [page.parent.parent.name for page in pages if f"/{page.parent.parent.name}/" in index]
    assert listed == ["run-2", "run-3"]
