"""The tags of issue 13 on the latest quarter, against expectations computed here: who holds each new
basic tag (from the raw fixture rows, in pandas), the need type rules (applied in pandas to the
features the rules run on), the vocabulary's display names (from the config file as written, raw
values where it has none), and the coverage warning (fires on crafted data, quiet on the default)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import yaml

from pipelines.settings import DEFAULT_CONFIG_PATH
from tests.transform.conftest import LATEST, DbtResult, dbt_command, dbt_env
from tests.transform.raw_fixture import generated, hand_written

CONFIG: dict[str, Any] = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
PARAMS: dict[str, Any] = CONFIG["parameters"]
COVERAGE_TEST = "assert_tag_values_are_held"


def frame(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.sql(sql).df()


def held(warehouse: Path, attribute: str) -> dict[str, str]:
    """customer_id -> tag_value of one attribute in the published tags."""
    tags = frame(
        warehouse,
        f"select customer_id, tag_value from marts.fct_customer_tags where tag_name = '{attribute}'",
    )
    return dict(zip(tags.customer_id, tags.tag_value, strict=True))


@pytest.fixture(scope="module")
def raw_customers() -> pd.DataFrame:
    """One row per customer as of LATEST: its latest version, optional fields filled from earlier
    versions, the customer type inferred from enterprise fields when missing."""
    rows = pd.DataFrame(hand_written()[0] + generated()[0])
    rows["customer_id"] = rows.customer_id.str.strip()
    rows = rows[rows.registered_at.dt.date <= LATEST].sort_values("updated_at")
    fields = ["customer_type", "occupation", "income_band", "industry", "registered_capital", "founded_date"]
    fields += ["employee_count"]
    latest = rows.groupby("customer_id")[fields].agg(
        lambda s: s.dropna().iloc[-1] if s.notna().any() else None
    )
    enterprise_fields = latest[["industry", "employee_count", "registered_capital"]].notna().any(axis=1)
    inferred = enterprise_fields.map({True: "enterprise", False: "individual"})
    latest["customer_type"] = latest.customer_type.where(latest.customer_type.notna(), inferred)
    return latest


def full_years(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def expected_band(value: float, bands: list[tuple[str, float]]) -> str:
    """The first band whose lower bound the value reaches (bands from the highest down)."""
    return next(name for name, bound in bands if value >= bound)


def test_individual_tags_occupation_and_income_band(latest_build: Path, raw_customers: pd.DataFrame) -> None:
    individuals = raw_customers[raw_customers.customer_type == "individual"]
    occupations = individuals.occupation.dropna()
    assert held(latest_build, "occupation") == occupations.to_dict()
    assert held(latest_build, "income_band") == individuals.income_band.dropna().to_dict()
    assert "astronaut" in set(occupations), "the fixture should have an occupation the vocabulary lacks"


def test_enterprise_tags_registered_capital_and_company_age(
    latest_build: Path, raw_customers: pd.DataFrame
) -> None:
    enterprises = raw_customers[raw_customers.customer_type == "enterprise"]
    capital_bands = [
        ("very_large", PARAMS["capital_very_large_min"]),
        ("large", PARAMS["capital_large_min"]),
        ("medium", PARAMS["capital_medium_min"]),
        ("small", 0),
    ]
    capitals = enterprises.registered_capital.dropna()
    expected_capital = {cid: expected_band(float(v), capital_bands) for cid, v in capitals.items()}
    age_bands = [
        ("established", PARAMS["company_age_established_min_years"]),
        ("mature", PARAMS["company_age_mature_min_years"]),
        ("growing", PARAMS["company_age_growing_min_years"]),
        ("startup", 0),
    ]
    founded = enterprises.founded_date.dropna()
    expected_age = {
        cid: expected_band(full_years(day, LATEST), age_bands)
        for cid, day in founded.items()
        if day <= LATEST
    }
    assert held(latest_build, "registered_capital") == expected_capital
    assert held(latest_build, "company_age") == expected_age
    # the hand-written enterprise: CNY 5M, founded 2008-05-01 (17 full years on 2025-12-31)
    assert expected_capital["H01"] == "medium" and expected_age["H01"] == "mature"
    assert len(set(expected_capital.values())) >= 3 and len(set(expected_age.values())) >= 3
    # enterprise-only: no individual holds them
    individuals = set(raw_customers.index[raw_customers.customer_type == "individual"])
    assert not individuals & (set(expected_capital) | set(expected_age))


def test_need_type_first_matching_rule_wins(latest_build: Path) -> None:
    features = frame(latest_build, "select * from intermediate.int_customers_rfm_scored").set_index(
        "customer_id"
    )

    def need(row: pd.Series) -> str | None:
        if row.after_sales_tickets + row.suggestion_tickets >= PARAMS["need_technical_min_tickets"]:
            return "technical_support"
        if row.inquiry_tickets + row.complaint_tickets >= PARAMS["need_service_min_tickets"]:
            return "service_heavy"
        if pd.notna(row.discounted_order_share) and (
            row.discounted_order_share >= PARAMS["price_sensitivity_high_min_share"]
        ):
            return "price_driven"
        if row.frequency > 0:
            return "standard_product"
        return None

    expected = {cid: value for cid, value in features.apply(need, axis=1).items() if isinstance(value, str)}
    assert held(latest_build, "need_type") == expected
    assert set(expected.values()) >= {"price_driven", "standard_product"}


def test_need_type_is_a_profile_dimension(latest_build: Path) -> None:
    dimensions = frame(latest_build, "select distinct dimension from marts.fct_segment_profiles").dimension
    assert {"need_type", "occupation", "income_band", "registered_capital", "company_age"} <= set(dimensions)
    # occupation is a tag now: its profile values carry the vocabulary's names
    labels = frame(
        latest_build,
        "select value, value_label_zh, value_label_en from marts.fct_segment_profiles "
        "where dimension = 'occupation'",
    ).drop_duplicates()
    vocabulary = CONFIG["vocabulary"]["occupation"]
    for value, label_zh, label_en in labels.itertuples(index=False):
        entry = vocabulary.get(value, {"label_zh": value, "label_en": value})
        assert (label_zh, label_en) == (entry["label_zh"], entry["label_en"])


def test_data_driven_tags_show_the_vocabulary_names_or_the_raw_value(latest_build: Path) -> None:
    tags = frame(
        latest_build,
        "select tag_name, tag_value, tag_value_label_zh, tag_value_label_en, tag_label_zh, tag_label_en "
        "from history.tag_history where tag_name in ('occupation', 'industry', 'category_preference')",
    ).drop_duplicates()
    attribute_labels = {t["attribute"]: t for t in CONFIG["tags"]}
    raw_seen = set()
    for row in tags.itertuples(index=False):
        attribute = attribute_labels[row.tag_name]
        entry = CONFIG["vocabulary"][attribute["vocabulary"]].get(row.tag_value)
        if entry is None:
            raw_seen.add(row.tag_value)
            entry = {"label_zh": row.tag_value, "label_en": row.tag_value}
        assert row.tag_value_label_zh == entry["label_zh"]
        assert row.tag_value_label_en == entry["label_en"]
        assert row.tag_label_zh == f"{attribute['label_zh']}：{entry['label_zh']}"
        assert row.tag_label_en == f"{attribute['label_en']}: {entry['label_en']}"
    # the fixture holds values with a name (retail, engineer) and without (it, grocery, astronaut)
    assert {"it", "grocery", "astronaut"} <= raw_seen
    assert {"retail", "engineer"} <= set(tags.tag_value) - raw_seen


def test_the_vocabulary_names_every_value_the_generator_emits() -> None:
    from pipelines.generate import vocab

    vocabulary = CONFIG["vocabulary"]
    assert {c[0] for c in vocab.CATEGORIES} <= set(vocabulary["category"])
    assert {i[0] for i in vocab.INDUSTRIES} <= set(vocabulary["industry"])
    # student and retired are set by age in the generator's SQL, the others drawn from the list
    assert {o[0] for o in vocab.OCCUPATIONS} | {"student", "retired"} <= set(vocabulary["occupation"])


# ------------------------------------------------------------------------------------ coverage


def catalog_codes() -> dict[str, tuple[str, bool]]:
    """tag_code -> (attribute, is data-driven), from the config file as written."""
    codes = {}
    for tag in CONFIG["tags"]:
        if "values" in tag:
            codes |= {f"{tag['attribute']}_{v['value']}": (tag["attribute"], False) for v in tag["values"]}
        else:
            codes[tag["attribute"]] = (tag["attribute"], True)
    return codes


def expected_coverage_problems(warehouse: Path) -> set[tuple[str, str]]:
    tags = frame(warehouse, "select tag_code, tag_name from marts.fct_customer_tags")
    holders = tags.tag_code.value_counts()
    applicable = tags.tag_name.value_counts()
    allowed_empty = set(CONFIG["quality"]["tag_values_allowed_empty"])
    bound = CONFIG["quality"]["max_tag_value_share"]
    problems = set()
    for code, (attribute, dynamic) in catalog_codes().items():
        count = holders.get(code, 0)
        if count == 0 and code not in allowed_empty:
            problems.add(("none", code))
        if not dynamic and count > bound * applicable.get(attribute, 0):
            problems.add(("most", code))
    return problems


def run_coverage_test(warehouse: Path, workdir: Path) -> tuple[dict[str, Any], set[tuple[str, str]]]:
    """`dbt test` of the coverage warning alone on a copy, failing rows stored: (result, problems)."""
    copy = workdir / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    done = subprocess.run(
        [*dbt_command("test", LATEST, workdir), "--select", COVERAGE_TEST, "--store-failures"],
        env=dbt_env(copy),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:]  # a warning does not fail the run
    results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
    result = next(r for r in results if r["unique_id"].endswith(COVERAGE_TEST))
    with duckdb.connect(str(copy), read_only=True) as conn:
        schema = conn.execute(
            "select table_schema from information_schema.tables where table_name = ?", [COVERAGE_TEST]
        ).fetchone()[0]
        rows = conn.execute(f'select problem, tag_code from "{schema}".{COVERAGE_TEST}').fetchall()
    problems = {("none" if problem.startswith("held by no") else "most", code) for problem, code in rows}
    return result, problems


def test_coverage_warning_names_the_values_nobody_holds(
    dbt_runs: dict[str, DbtResult], tmp_path: Path
) -> None:
    """Crafted: the changed config sets complaint_high_min to 1, so complaint_risk_high takes every
    complainer and complaint_risk_mid (>= 1 complaint too) can never match."""
    changed = dbt_runs["changed_thresholds"].check()
    result, problems = run_coverage_test(changed, tmp_path)
    expected = expected_coverage_problems(changed)
    assert ("none", "complaint_risk_mid") in expected
    assert result["status"] == "warn"
    assert result["failures"] == len(expected)
    assert problems == expected


def test_coverage_warning_is_quiet_on_the_default_data(tmp_path: Path) -> None:
    """The embedded synthetic data of `make run` (every value of the catalog held, none by nearly
    everyone; ad_click_rate_high included): the check passes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEGMENTS_", "DAGSTER_"))}
    env |= {"SEGMENTS_DATA_DIR": str(tmp_path / "data"), "SEGMENTS_PII_SALT": "test-salt"}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("segments")), "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with duckdb.connect(str(tmp_path / "data" / "published" / "segments.duckdb"), read_only=True) as conn:
        check = conn.execute(
            "select passed, severity from quality_results where check_name = ?", [COVERAGE_TEST]
        ).fetchall()
        ad_high = conn.execute(
            "select count(*) from customer_tags where tag_code = 'ad_click_rate_high'"
        ).fetchone()[0]
    assert check == [(True, "warning")]
    assert ad_high > 0
