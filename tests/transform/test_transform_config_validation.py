"""A broken segmentation config fails on load, naming the file, the key and what is wrong."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from pipelines.config import ConfigError, load_config, write_config_tables
from pipelines.settings import DEFAULT_CONFIG_PATH

DEFAULT = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))


def _tag(config: dict[str, Any], attribute: str) -> dict[str, Any]:
    return next(t for t in config["tags"] if t["attribute"] == attribute)


def _index(attribute: str) -> int:
    return next(i for i, t in enumerate(DEFAULT["tags"]) if t["attribute"] == attribute)


CONTRIBUTION = _index("contribution")


def _write(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    config = copy.deepcopy(DEFAULT)
    change(config)
    path = tmp_path / "segments.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


CASES = [
    # (why, change, fragments the message must contain)
    ("unknown top-level key", lambda c: c.update(windoes={"rfm_days": 365}), ["windoes", "Extra inputs"]),
    (
        "unknown nested key",
        lambda c: _tag(c, "contribution")["values"][0].update(colour="red"),
        [f"tags[{CONTRIBUTION}].values[0].colour", "Extra inputs"],
    ),
    ("wrong type", lambda c: c["windows"].update(rfm_days="a year"), ["windows.rfm_days", "integer"]),
    ("value out of range", lambda c: c["scoring"].update(mode="ntile"), ["scoring.mode", "quantile"]),
    (
        "fixed cut points not monotonic",
        lambda c: c["scoring"]["fixed_cut_points"].update(frequency={5: 3, 3: 5}),
        ["scoring.fixed_cut_points", "frequency"],
    ),
    (
        "rule on an unknown column",
        lambda c: _tag(c, "contribution")["values"][0].update(rule="anual_spend >= 1"),
        [f"tags[{CONTRIBUTION}].values[0].rule", "anual_spend"],
    ),
    (
        "rule that is not boolean",
        lambda c: c["segments"][0].update(rule="r_score + f_score"),
        ["segments[0].rule", "boolean"],
    ),
    (
        "rule with an aggregate",
        lambda c: c["segments"][1].update(rule="avg(monetary) > 100"),
        ["segments[1].rule", "does not bind"],
    ),
    (
        "two statements in a rule",
        lambda c: c["segments"][1].update(rule="true; drop table x"),
        ["segments[1].rule", "one expression"],
    ),
    (
        "unknown parameter",
        lambda c: c["segments"][0].update(rule="r_score >= {loyal_min}"),
        ["segments[0].rule", "{loyal_min}"],
    ),
    ("unused parameter", lambda c: c["parameters"].update(forgotten=1), ["parameters.forgotten", "not used"]),
    ("no catch-all segment", lambda c: c["segments"].pop(), ["segments[4].rule", "catch-all"]),
    (
        "unknown tag level",
        lambda c: _tag(c, "gender").update(level2="persona"),
        ["tags[0].level2", "persona"],
    ),
    (
        "segment column on a missing attribute",
        lambda c: c["segment_columns"].update(value_tier="value"),
        ["segment_columns.value_tier", "value"],
    ),
    (
        "a description under its old and its new name",
        lambda c: c["segments"][0].update(description="All scores high."),
        ["segments[0]", "description_en", "not both"],
    ),
    (
        "no description at all",
        lambda c: c["segments"][0].pop("description_en"),
        ["segments[0].description_en"],
    ),
    (
        "unknown review cadence",
        lambda c: c["segments"][2].update(review_cadence="weekly"),
        ["segments[2].review_cadence", "quarterly"],
    ),
    (
        "unknown parameter in a Chinese description",
        lambda c: c["segments"][0].update(description_zh="评分不低于 {loyal_min}"),
        ["segments[0].description_zh", "{loyal_min}"],
    ),
    (
        "holdout share of an unknown segment",
        lambda c: c.setdefault("holdouts", {}).setdefault("by_segment", {}).update(vip=0.1),
        ["holdouts.by_segment.vip", "unknown segment 'vip'"],
    ),
    (
        # a share of 1 would hold out the whole segment: nothing left to treat
        "holdout share of 1",
        lambda c: c.setdefault("holdouts", {}).update(default_share=1),
        ["holdouts.default_share", "less than 1"],
    ),
    (
        "negative holdout share of a segment",
        lambda c: c.setdefault("holdouts", {}).setdefault("by_segment", {}).update(dormant=-0.1),
        ["holdouts.by_segment.dormant", "greater than or equal to 0"],
    ),
    (
        "unknown churn segment",
        lambda c: c.setdefault("outcomes", {}).update(churn_segments=["lost"]),
        ["outcomes.churn_segments[0]", "unknown segment 'lost'"],
    ),
    (
        "unknown insight key",
        lambda c: c["insight"].update(sample_sise=20),
        ["insight.sample_sise", "Extra inputs"],
    ),
    (
        "insight threshold of a wrong type",
        lambda c: c["insight"].update(portrait_min_lift="high"),
        ["insight.portrait_min_lift", "number"],
    ),
    (
        "insight threshold out of range",
        lambda c: c["insight"].update(sample_size=0),
        ["insight.sample_size", "greater than or equal to 1"],
    ),
    (
        "profile dimension that is not a tag attribute",
        lambda c: c["insight"]["segment_profile_tag_attributes"].append("shoe_size"),
        ["insight.segment_profile_tag_attributes[", "shoe_size", "not a tag attribute"],
    ),
    (
        "profile column missing from dim_customers",
        lambda c: c["insight"]["segment_profile_columns"].update(
            hobby={"label_zh": "爱好", "label_en": "Hobby"}
        ),
        ["insight.segment_profile_columns.hobby", "dim_customers"],
    ),
    (
        "numeric profile dimension that is text",
        lambda c: c["insight"]["segment_profile_numeric"].update(
            member_level={"label_zh": "会员", "label_en": "Member"}
        ),
        ["insight.segment_profile_numeric.member_level", "not numeric"],
    ),
    (
        "tag attribute listed as a profile column",
        lambda c: c["insight"]["segment_profile_columns"].update(
            occupation={"label_zh": "职业", "label_en": "Occupation"}
        ),
        ["insight.segment_profile_columns.occupation", "segment_profile_tag_attributes"],
    ),
    (
        "unknown vocabulary",
        lambda c: _tag(c, "industry").update(vocabulary="industries"),
        [f"tags[{_index('industry')}].vocabulary", "industries"],
    ),
    (
        "vocabulary on an attribute with values",
        lambda c: _tag(c, "gender").update(vocabulary="industry"),
        ["tags[0]", "vocabulary"],
    ),
    (
        "vocabulary label missing",
        lambda c: c["vocabulary"]["category"]["food"].pop("label_en"),
        ["vocabulary.category.food.label_en", "Field required"],
    ),
    (
        "unknown tag_code allowed empty",
        lambda c: c["quality"]["tag_values_allowed_empty"].append("age_band_under_12"),
        ["quality.tag_values_allowed_empty[2]", "age_band_under_12"],
    ),
    (
        "tag share bound out of range",
        lambda c: c["quality"].update(max_tag_value_share=1.5),
        ["quality.max_tag_value_share", "less than or equal to 1"],
    ),
    ("unknown clv key", lambda c: c["clv"].update(discount_rate=0.1), ["clv.discount_rate", "Extra inputs"]),
    (
        "clv discount rate out of range",
        lambda c: c["clv"].update(annual_discount_rate=12),
        ["clv.annual_discount_rate", "less than or equal to 1"],
    ),
    (
        "clv repeat customers beyond the sample",
        lambda c: c["clv"].update(fit_sample_size=500, min_repeat_customers=600),
        ["clv", "min_repeat_customers must not exceed fit_sample_size"],
    ),
]


@pytest.mark.parametrize(("change", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_config_fails_naming_file_and_key(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], fragments: list[str]
) -> None:
    path = _write(tmp_path, change)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    # one problem, one line: file, key path and what is wrong together
    assert "\n" not in message, message


def test_default_config_loads_and_reproduces_the_guides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEGMENTS_CONFIG", raising=False)
    config = load_config()
    assert config.windows.rfm_days == 365
    assert config.scoring.mode == "quantile"
    assert config.scoring.fixed_cut_points.frequency == {5: 10, 3: 5}
    assert config.parameters["contribution_high_min_spend"] == 10000
    assert config.parameters["contribution_mid_min_spend"] == 3000
    assert config.parameters["complaint_high_min"] == 3
    assert len(config.segments) <= 6


def test_segments_config_env_var_is_read_when_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, lambda c: c["windows"].update(rfm_days=180))
    monkeypatch.setenv("SEGMENTS_CONFIG", str(path))
    assert load_config().windows.rfm_days == 180
    monkeypatch.setenv("SEGMENTS_CONFIG", str(tmp_path / "missing.yml"))
    with pytest.raises(ConfigError, match="missing.yml"):
        load_config()


def test_write_config_tables_writes_the_active_and_the_default_config(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda c: c["parameters"].update(contribution_high_min_spend=5000))
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        write_config_tables(conn, load_config(path))
        write_config_tables(conn, load_config(path))  # rerunnable
        rules = conn.execute(
            "select a.rule, d.rule from config.tag_catalog as a join config_defaults.tag_catalog as d "
            "using (tag_code) where tag_code = 'contribution_high'"
        ).fetchall()
        segments = conn.execute("select segment from config.segments order by priority").fetchall()
    assert rules == [("annual_spend >= 5000", "annual_spend >= 10000")]
    assert segments[-1] == ("regular",)


def test_a_config_of_before_the_bilingual_segment_catalog_still_loads(tmp_path: Path) -> None:
    # Older configs: `description` (English) only, no owner, no review cadence. The English text is
    # published in both languages, owner and cadence take their defaults.
    def older(config: dict[str, Any]) -> None:
        for segment in config["segments"]:
            segment["description"] = segment.pop("description_en")
            for key in ("description_zh", "owner", "review_cadence"):
                segment.pop(key)

    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        write_config_tables(conn, load_config(_write(tmp_path, older)))
        first = conn.execute(
            "select description, description_zh, description_en, owner, review_cadence "
            "from config.segments order by priority limit 1"
        ).fetchone()
    assert first == ("All three RFM scores at least 4.",) * 3 + ("marketing", "quarterly")


def test_segment_descriptions_are_bilingual_with_thresholds_filled_in(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        write_config_tables(conn, load_config(DEFAULT_CONFIG_PATH))
        first = conn.execute(
            "select description_zh, description_en, owner from config.segments order by priority limit 1"
        ).fetchone()
    assert first == (
        "R、F、M 三项评分均不低于 4 分。",
        "All three RFM scores at least 4.",
        "key_account_management",
    )


def test_holdout_shares_and_churn_segments_reach_the_segments_config_table(tmp_path: Path) -> None:
    def tuned(config: dict[str, Any]) -> None:
        config["holdouts"] = {"default_share": 0.1, "by_segment": {"high_value_loyal": 0}}
        config["outcomes"] = {"churn_segments": ["dormant", "churn_risk"]}

    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        write_config_tables(conn, load_config(_write(tmp_path, tuned)))
        rows = dict(
            conn.execute(
                "select segment, (holdout_share, is_churn_segment) from config.segments order by priority"
            ).fetchall()
        )
        shipped = conn.execute(
            "select segment, holdout_share from config_defaults.segments where is_churn_segment"
        ).fetchall()
    assert rows["high_value_loyal"] == (0.0, False)
    assert rows["regular"] == (0.1, False)
    assert rows["churn_risk"] == (0.1, True) and rows["dormant"] == (0.1, True)
    # the shipped config: 5 % everywhere, dormant is the churn segment
    assert shipped == [("dormant", 0.05)]
