"""Segment insight of the latest quarter (issue 13) against independent pandas computations over
dim_customers and fct_customer_tags: profile shares and lifts, quartiles, portraits, eta squared,
the reproducible samples, the catalog and the 0-100 percentiles."""

from __future__ import annotations

import hashlib
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import yaml

from pipelines.config import load_config
from pipelines.settings import DEFAULT_CONFIG_PATH
from tests.transform.conftest import LATEST, query

CONFIG: dict[str, Any] = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
# The insight thresholds and profile dimensions, as the config file states them.
VARS: dict[str, Any] = CONFIG["insight"]


def vocabulary_labels(language: str) -> dict[tuple[str, str], str]:
    """(attribute, raw value) -> display name, from the config file's vocabulary as written."""
    return {
        (tag["attribute"], raw): label[f"label_{language}"]
        for tag in CONFIG["tags"]
        if tag.get("vocabulary")
        for raw, label in CONFIG["vocabulary"][tag["vocabulary"]].items()
    }


def frame(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.sql(sql).df()


@pytest.fixture(scope="module")
def customers(latest_build: Path) -> pd.DataFrame:
    return frame(latest_build, "select * from marts.dim_customers")


@pytest.fixture(scope="module")
def expected_profiles(latest_build: Path, customers: pd.DataFrame) -> pd.DataFrame:
    """The categorical profile rows, from the tags and customers alone: per dimension, customers with
    a known value on each side, shares, lift, and the top values kept by count (ties by value)."""
    tags = frame(
        latest_build, "select customer_id, tag_code, tag_name, tag_value from marts.fct_customer_tags"
    )
    labels = frame(
        latest_build,
        "select tag_code, tag_name_label_zh, tag_name_label_en, tag_value_label_zh, tag_value_label_en "
        "from marts.dim_tag_catalog",
    )
    tags = tags[tags.tag_name.isin(VARS["segment_profile_tag_attributes"])].merge(labels, on="tag_code")
    tags = tags.merge(customers[["customer_id", "segment"]], on="customer_id")
    values = [
        pd.DataFrame(
            {
                "segment": tags.segment,
                "dimension": tags.tag_name,
                "value": tags.tag_value,
                "dimension_label_zh": tags.tag_name_label_zh,
                "dimension_label_en": tags.tag_name_label_en,
                **{
                    f"value_label_{lang}": tags[f"tag_value_label_{lang}"].fillna(
                        pd.Series(
                            [
                                vocabulary_labels(lang).get((name, value), value)
                                for name, value in zip(tags.tag_name, tags.tag_value, strict=True)
                            ],
                            index=tags.index,
                        )
                    )
                    for lang in ("zh", "en")
                },
            }
        )
    ]
    for column, label in VARS["segment_profile_columns"].items():
        known = customers[customers[column].notna()]
        values.append(
            pd.DataFrame(
                {
                    "segment": known.segment,
                    "dimension": column,
                    "value": known[column].astype(str),
                    "dimension_label_zh": label["label_zh"],
                    "dimension_label_en": label["label_en"],
                    "value_label_zh": known[column].astype(str),
                    "value_label_en": known[column].astype(str),
                }
            )
        )
    rows = pd.concat(values)
    counts = (
        rows.groupby(["segment", "dimension", "value"])
        .size()
        .rename("customers")
        .reset_index()
        .merge(
            rows.drop(columns="segment").drop_duplicates(["dimension", "value"]), on=["dimension", "value"]
        )
    )
    known = counts.groupby(["segment", "dimension"]).customers.transform("sum")
    population = counts.groupby(["dimension", "value"]).customers.transform("sum")
    population_known = counts.groupby("dimension").customers.transform("sum")
    counts["dimension_customers"] = known
    counts["share_in_segment"] = counts.customers / known
    counts["share_in_population"] = population / population_known
    counts["lift"] = counts.share_in_segment / counts.share_in_population
    counts["segment_customers"] = counts.segment.map(customers.segment.value_counts())
    counts = counts.sort_values(
        ["segment", "dimension", "customers", "value"], ascending=[True, True, False, True]
    )
    counts["value_rank"] = counts.groupby(["segment", "dimension"]).cumcount() + 1
    return counts[counts.value_rank <= VARS["segment_profile_top_values"]].reset_index(drop=True)


def test_profile_shares_and_lifts_equal_an_independent_computation(
    latest_build: Path, expected_profiles: pd.DataFrame
) -> None:
    actual = frame(
        latest_build,
        "select segment, dimension, value, value_rank, customers, dimension_customers, segment_customers, "
        "share_in_segment, share_in_population, lift, value_label_zh, value_label_en "
        f"from history.segment_profiles where snapshot_date = '{LATEST}' and dimension_kind = 'categorical'",
    )
    key = ["segment", "dimension", "value"]
    merged = expected_profiles.merge(actual, on=key, how="outer", suffixes=("", "_actual"), indicator=True)
    assert (merged._merge == "both").all(), merged[merged._merge != "both"][key + ["_merge"]]
    for column in ("value_rank", "customers", "dimension_customers", "segment_customers"):
        assert (merged[column] == merged[f"{column}_actual"]).all(), column
    for column in ("share_in_segment", "share_in_population", "lift"):
        assert merged[column].to_numpy() == pytest.approx(merged[f"{column}_actual"].to_numpy(), rel=1e-12)
    for column in ("value_label_zh", "value_label_en"):
        assert (merged[column] == merged[f"{column}_actual"]).all(), column
    # the fixture must exercise what is tested: several segments, lifts on both sides of 1, a tag
    # band with the catalog's label
    assert merged.segment.nunique() >= 4 and (merged.lift > 1.2).any() and (merged.lift < 1).any()
    assert ("age_band", "26_35", "26-35岁") in set(
        zip(merged.dimension, merged.value, merged.value_label_zh, strict=True)
    )


@pytest.mark.parametrize("dimension", list(VARS["segment_profile_numeric"]))
def test_numeric_profiles_are_the_segments_quartiles(
    latest_build: Path, customers: pd.DataFrame, dimension: str
) -> None:
    actual = {
        row[0]: row[1:]
        for row in query(
            latest_build,
            "select segment, customers, p25, median, p75, population_median from marts.fct_segment_profiles "
            "where dimension = ? and value is null",
            [dimension],
        )
    }
    known = customers[customers[dimension].notna()].copy()
    known["x"] = known[dimension].astype(float)
    population_median = known.x.quantile(0.5)  # linear interpolation, as percentile_cont
    expected = {
        segment: (len(group), *group.x.quantile([0.25, 0.5, 0.75]).tolist(), population_median)
        for segment, group in known.groupby("segment")
    }
    assert set(actual) == set(expected)
    for segment, values in expected.items():
        assert actual[segment][0] == values[0]
        assert actual[segment][1:] == pytest.approx(values[1:], rel=1e-9), segment


def _round_half_up(value: float, places: str) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def test_portraits_name_the_strongest_lifts_with_their_shares(
    latest_build: Path, customers: pd.DataFrame, expected_profiles: pd.DataFrame
) -> None:
    sizes = customers.segment.value_counts()
    candidates = expected_profiles[
        (expected_profiles.lift > VARS["portrait_min_lift"])
        & (expected_profiles.customers >= VARS["portrait_min_share"] * expected_profiles.segment_customers)
    ]
    candidates = candidates.sort_values(
        ["segment", "dimension", "lift", "value"], ascending=[True, True, False, True]
    )
    best = candidates.drop_duplicates(["segment", "dimension"])
    best = best.sort_values(["segment", "lift", "dimension"], ascending=[True, False, True])
    order_values = customers[customers.avg_order_value.notna()].groupby("segment").avg_order_value
    labels = {s.code: (s.label_zh, s.label_en) for s in load_config(DEFAULT_CONFIG_PATH).segments}
    actual = {
        row[0]: row[1:]
        for row in query(
            latest_build,
            "select segment, portrait_zh, portrait_en, "
            "distinctive_attributes from marts.fct_segment_portraits",
        )
    }
    assert set(actual) == set(sizes.index)
    named = 0
    for segment in sizes.index:
        picks = best[best.segment == segment].head(VARS["portrait_max_attributes"])
        zh, en = [], []
        for pick in picks.itertuples():
            share = _round_half_up(100 * pick.customers / sizes[segment], "1")
            lift = _round_half_up(pick.lift, "0.1")
            zh.append(f"{pick.dimension_label_zh} {pick.value_label_zh}（{share}%，{lift}倍）")
            en.append(f"{pick.dimension_label_en} {pick.value_label_en} ({share}%, {lift}x)")
        if segment in order_values.groups:
            median = _round_half_up(float(order_values.get_group(segment).astype(float).median()), "1")
            tail_zh, tail_en = f"客单价中位数 {median} 元", f"median order value {median}"
        else:
            tail_zh, tail_en = "窗口期内无订单", "no orders in W"
        label_zh, label_en = labels[segment]
        assert actual[segment] == (
            f"{label_zh}：{'，'.join(zh) or '无突出特征'}；{tail_zh}",
            f"{label_en}: {', '.join(en) or 'no distinctive attribute'}; {tail_en}",
            len(picks),
        )
        named += len(picks)
    assert named >= 6, "the fixture should give most segments a portrait"


def test_eta_squared_equals_an_independent_computation(latest_build: Path, customers: pd.DataFrame) -> None:
    actual = dict(
        query(
            latest_build,
            "select feature, value from marts.fct_segment_validation where measure = 'eta_squared'",
        )
    )
    expected = {}
    for feature in ("recency_days", "frequency", "monetary", "avg_order_value"):
        known = customers[customers[feature].notna()]
        x = known[feature].astype(float)
        means = x.groupby(known.segment).transform("mean")
        expected[feature] = ((means - x.mean()) ** 2).sum() / ((x - x.mean()) ** 2).sum()
    assert actual == pytest.approx(expected, rel=1e-9)
    assert 0 < expected["monetary"] < 1
    overall = dict(
        query(latest_build, "select measure, value from marts.fct_segment_validation where feature is null")
    )
    sizes = customers.segment.value_counts()
    assert overall == pytest.approx(
        {"segment_count": len(sizes), "largest_segment_share": sizes.max() / len(customers)}
    )


def test_samples_are_the_first_customers_by_hash_with_masked_contacts_only(
    latest_build: Path, customers: pd.DataFrame
) -> None:
    size = VARS["sample_size"]
    actual = frame(latest_build, f"select * from history.segment_samples where snapshot_date = '{LATEST}'")
    for segment, group in customers.groupby("segment"):
        ordered = sorted(
            group.customer_id, key=lambda cid: (hashlib.md5(f"{cid}|{LATEST}".encode()).hexdigest(), cid)
        )
        sample = actual[actual.segment == segment].sort_values("sample_rank")
        assert list(sample.customer_id) == ordered[:size], segment
        assert list(sample.sample_rank) == list(range(1, min(size, len(group)) + 1))
    assert (customers.segment.value_counts() > size).any(), "the fixture should have a segment to sample"
    contact_columns = {
        c for c in actual.columns if any(w in c for w in ("name", "phone", "email", "contact"))
    }
    assert contact_columns == {"name_masked", "phone_masked"}
    # the reviewer's fields are the customer's own
    sampled = actual.merge(customers, on="customer_id", suffixes=("", "_dim"))
    for column in ("r_score", "f_score", "m_score", "recency_days", "frequency", "monetary", "city_tier"):
        assert sampled[column].fillna(-1).eq(sampled[f"{column}_dim"].fillna(-1)).all(), column


def test_catalog_lists_every_configured_segment_with_both_languages(latest_build: Path) -> None:
    config = load_config(DEFAULT_CONFIG_PATH)
    rows = query(
        latest_build,
        "select segment, segment_order, label_zh, label_en, description_zh, description_en, rule, "
        "strategy_zh, strategy_en, owner, review_cadence from history.segment_catalog order by segment_order",
    )
    assert [row[0] for row in rows] == [s.code for s in config.segments]
    loyal = rows[0]
    threshold = config.parameters["loyal_min_score"]
    assert loyal[2:6] == (
        "高价值忠实客户",
        "High-value loyal",
        f"R、F、M 三项评分均不低于 {threshold} 分。",
        f"All three RFM scores at least {threshold}.",
    )
    assert loyal[6] == f"r_score >= {threshold} and f_score >= {threshold} and m_score >= {threshold}"
    assert loyal[7].startswith("深度维护：专属客户经理") and loyal[8].startswith("Deep care: Dedicated")
    assert loyal[9:] == ("key_account_management", "quarterly")
    assert all(all(value is not None for value in row) for row in rows)
    summary = query(
        latest_build, "select segment, segment_label_zh, segment_label_en from marts.fct_segment_summary"
    )
    labels = {s.code: (s.label_zh, s.label_en) for s in config.segments}
    assert all(labels[segment] == (zh, en) for segment, zh, en in summary)


@pytest.mark.parametrize(
    ("metric", "column", "percentile", "score", "in_distribution"),
    [
        ("recency", "recency_days", "r_percentile", "r_score", "recency_days.notna()"),
        ("frequency", "frequency", "f_percentile", "f_score", "frequency > 0"),
        ("monetary", "monetary_for_scoring", "m_percentile", "m_score", "frequency > 0"),
    ],
)
def test_percentiles_are_mid_ranks_that_agree_with_the_quantile_scores(
    customers: pd.DataFrame, metric: str, column: str, percentile: str, score: str, in_distribution: str
) -> None:
    ranked = customers.query(in_distribution).copy()
    better = -ranked[column].astype(float) if metric == "recency" else ranked[column].astype(float)
    below = better.rank(method="min") - 1
    tied = better.map(better.value_counts())
    expected = ((1000 * (2 * below + tied)) // (2 * len(ranked))) / 10
    assert ranked[percentile].tolist() == pytest.approx(expected.tolist())
    # the default scoring is quantile: the 1-5 score is the percentile's fifth
    assert (ranked[score] == (1 + ranked[percentile] // 20).clip(upper=5)).all()
    outside = customers.drop(ranked.index)
    assert (outside[percentile] == 0).all() and len(outside) > 0
    assert math.isclose(ranked[percentile].max(), expected.max())


def test_bilingual_labels_on_dim_customers(customers: pd.DataFrame) -> None:
    config = load_config(DEFAULT_CONFIG_PATH)
    rfm = {c.code: (c.label_zh, c.label_en) for c in config.rfm_segments.classes}
    quadrants = {q.code: (q.label_zh, q.label_en) for q in config.value_potential_matrix.quadrants}
    for row in customers.itertuples():
        assert (row.rfm_segment_label_zh, row.rfm_segment_label_en) == rfm[row.rfm_segment]
        assert (row.value_potential_label_zh, row.value_potential_label_en) == quadrants[
            row.value_potential_quadrant
        ]
