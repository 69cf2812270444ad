"""The config as warehouse tables: the `config` schema dbt reads as `source('config', ...)`."""

from __future__ import annotations

from typing import Any

import duckdb

from pipelines.config.catalog import tag_catalog_rows, tag_vocabulary_rows
from pipelines.config.load import load_config
from pipelines.config.model import SegmentationConfig
from pipelines.config.rules import render_param, substitute
from pipelines.settings import DEFAULT_CONFIG_PATH

CONFIG_SCHEMA = "config"
# The tables write_config_tables writes (dbt's `config` source; Dagster asset keys config/<table>).
CONFIG_TABLES = (
    "settings",
    "rfm_fixed_cut_points",
    "rfm_segments",
    "segments",
    "value_potential_matrix",
    "tag_catalog",
    "tag_vocabulary",
    "parameters",
    "insight",
    "profile_dimensions",
)
DEFAULTS_SCHEMA = "config_defaults"


def _tables(config: SegmentationConfig) -> dict[str, tuple[str, list[tuple[Any, ...]]]]:
    """table -> (column DDL, rows) of everything dbt reads from the config."""
    params = config.parameters
    out, seg, matrix = config.outliers, config.rfm_segments, config.value_potential_matrix
    cols = config.segment_columns
    insight = config.insight
    settings = (
        config.source,
        config._sha256,
        config.display_language,
        config.windows.rfm_days,
        config.windows.annual_spend_days,
        config.windows.complaint_days,
        out.method,
        out.iqr_multiplier,
        out.quantile,
        out.max_amount,
        out.min_orders,
        out.group_by_customer_type,
        out.handling,
        config.scoring.mode,
        config.scoring.no_activity_score,
        seg.high_rule,
        seg.high_min_score,
        substitute(matrix.value_rule, params, "value_potential_matrix.value_rule"),
        substitute(matrix.potential_rule, params, "value_potential_matrix.potential_rule"),
        cols.value_tier,
        cols.lifecycle_stage,
        cols.churn_risk,
        cols.complaint_risk,
        config.quality.max_tag_value_share,
    )
    cut_points = config.scoring.fixed_cut_points
    segments = []
    for i, s in enumerate(config.segments):
        st = s.strategy
        description_en = substitute(s.description_en, params, f"segments[{i}].description_en", as_sql=False)
        description_zh = (
            substitute(s.description_zh, params, f"segments[{i}].description_zh", as_sql=False)
            if s.description_zh
            else description_en
        )
        segments.append(
            (
                s.code,
                i + 1,
                s.label_zh,
                s.label_en,
                description_en,
                description_zh,
                description_en,
                substitute(s.rule, params, f"segments[{i}].rule"),
                i == len(config.segments) - 1,
                st.direction_zh,
                st.direction_en,
                "；".join(st.measures_zh),
                "; ".join(st.measures_en),
                f"{st.direction_zh}：{'；'.join(st.measures_zh)}",
                f"{st.direction_en}: {'; '.join(st.measures_en)}",
                s.owner,
                s.review_cadence,
            )
        )
    catalog_columns = [
        ("tag_code", "varchar"),
        ("tag_name", "varchar"),
        ("tag_level1", "varchar"),
        ("tag_level2", "varchar"),
        ("tag_value", "varchar"),
        ("tag_level1_label_zh", "varchar"),
        ("tag_level1_label_en", "varchar"),
        ("tag_level2_label_zh", "varchar"),
        ("tag_level2_label_en", "varchar"),
        ("tag_name_label_zh", "varchar"),
        ("tag_name_label_en", "varchar"),
        ("tag_value_label_zh", "varchar"),
        ("tag_value_label_en", "varchar"),
        ("definition", "varchar"),
        ("data_source", "varchar"),
        ("rule", "varchar"),
        ("value_sql", "varchar"),
        ("attribute_order", "integer"),
        ("value_order", "integer"),
        ("is_dynamic", "boolean"),
        ("vocabulary", "varchar"),
        ("may_be_empty", "boolean"),
    ]
    catalog = [tuple(row[name] for name, _ in catalog_columns) for row in tag_catalog_rows(config)]
    return {
        "settings": (
            "config_source varchar, config_sha256 varchar, display_language varchar, "
            "rfm_window_days integer, annual_spend_window_days integer, complaint_window_days integer, "
            "outlier_method varchar, "
            "outlier_iqr_multiplier double, outlier_quantile double, outlier_max_amount decimal(18,2), "
            "outlier_min_orders integer, outlier_group_by_customer_type boolean, outlier_handling varchar, "
            "scoring_mode varchar, no_activity_score integer, rfm_high_rule varchar, "
            "rfm_high_min_score integer, matrix_value_rule varchar, matrix_potential_rule varchar, "
            "value_tier_attribute varchar, lifecycle_stage_attribute varchar, "
            "churn_risk_attribute varchar, complaint_risk_attribute varchar, max_tag_value_share double",
            [settings],
        ),
        "rfm_fixed_cut_points": (
            "metric varchar, score integer, bound decimal(18,2)",
            [
                (metric, score, bound)
                for metric in ("recency_days", "frequency", "monetary")
                for score, bound in sorted(getattr(cut_points, metric).items())
            ],
        ),
        "rfm_segments": (
            "rfm_segment varchar, is_recency_high boolean, is_frequency_high boolean, "
            "is_monetary_high boolean, label_zh varchar, label_en varchar",
            [
                (c.code, c.r == "high", c.f == "high", c.m == "high", c.label_zh, c.label_en)
                for c in seg.classes
            ],
        ),
        "segments": (
            "segment varchar, priority integer, label_zh varchar, label_en varchar, "
            "description varchar, description_zh varchar, description_en varchar, rule varchar, "
            "is_catch_all boolean, strategy_direction_zh varchar, "
            "strategy_direction_en varchar, strategy_measures_zh varchar, strategy_measures_en varchar, "
            "strategy_zh varchar, strategy_en varchar, owner varchar, review_cadence varchar",
            segments,
        ),
        "value_potential_matrix": (
            "quadrant varchar, is_high_value boolean, is_high_potential boolean, "
            "label_zh varchar, label_en varchar",
            [(q.code, q.high_value, q.high_potential, q.label_zh, q.label_en) for q in matrix.quadrants],
        ),
        "tag_catalog": (", ".join(f"{name} {sql_type}" for name, sql_type in catalog_columns), catalog),
        "tag_vocabulary": (
            "tag_name varchar, tag_value varchar, label_zh varchar, label_en varchar",
            tag_vocabulary_rows(config),
        ),
        "parameters": (
            "name varchar, value varchar",
            [(name, render_param(value, as_sql=False)) for name, value in sorted(params.items())],
        ),
        "insight": (
            "segment_profile_top_values integer, portrait_min_lift double, portrait_min_share double, "
            "portrait_max_attributes integer, sample_size integer, max_segment_share double",
            [
                (
                    insight.segment_profile_top_values,
                    insight.portrait_min_lift,
                    insight.portrait_min_share,
                    insight.portrait_max_attributes,
                    insight.sample_size,
                    insight.max_segment_share,
                )
            ],
        ),
        "profile_dimensions": (
            "dimension varchar, dimension_kind varchar, label_zh varchar, label_en varchar, "
            "dimension_order integer",
            _profile_dimensions(config),
        ),
    }


def _profile_dimensions(config: SegmentationConfig) -> list[tuple[str, str, str | None, str | None, int]]:
    """(dimension, kind, labels, order): tag attributes take their labels from the tag catalog."""
    insight = config.insight
    rows: list[tuple[str, str, str | None, str | None]] = [
        (attribute, "tag", None, None) for attribute in insight.segment_profile_tag_attributes
    ]
    rows += [(c, "column", lb.label_zh, lb.label_en) for c, lb in insight.segment_profile_columns.items()]
    rows += [(c, "numeric", lb.label_zh, lb.label_en) for c, lb in insight.segment_profile_numeric.items()]
    return [(*row, i + 1) for i, row in enumerate(rows)]


def write_config_tables(
    conn: duckdb.DuckDBPyConnection,
    config: SegmentationConfig,
    schema: str = CONFIG_SCHEMA,
    defaults: SegmentationConfig | None = None,
) -> None:
    """(Re)write the config tables dbt reads, in one transaction; run before every `dbt build`.

    Writes `config` into `schema` and the shipped defaults (or `defaults`) into `config_defaults`,
    which the dbt unit tests read so that their expectations do not depend on the active config.
    """
    if defaults is None:
        defaults = load_config(DEFAULT_CONFIG_PATH)
    conn.execute("begin transaction")
    try:
        for target_schema, cfg in ((schema, config), (DEFAULTS_SCHEMA, defaults)):
            conn.execute(f'create schema if not exists "{target_schema}"')
            for table, (ddl, rows) in _tables(cfg).items():
                conn.execute(f'create or replace table "{target_schema}"."{table}" ({ddl})')
                if rows:
                    marks = ", ".join("?" * len(rows[0]))
                    conn.executemany(f'insert into "{target_schema}"."{table}" values ({marks})', rows)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
