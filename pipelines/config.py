"""The segmentation config: load and validate `config/segments.yml`, and hand it to dbt as tables.

`load_config()` reads the YAML (path from `SEGMENTS_CONFIG`, read when called), validates every key
with pydantic (unknown keys fail), substitutes the named `parameters` into the rules and binds every
rule in DuckDB against the columns of the dbt model the rules run on (`int_customers_rfm_scored`, as
listed in its model YAML), so that a typo fails here, naming the file and the key, and not in dbt.

`write_config_tables(conn, config)` (re)writes the `config` schema of the warehouse, which dbt reads
as `source('config', ...)`. Data (windows, cut points, labels, strategies) is read by the models at run
time; the rules are SQL, so macros inline them at compile time (run_query). Call it before every
`dbt build`. It also writes `config_defaults` (the shipped defaults), which only the dbt unit tests
read, so that their boundary cases stay valid whatever a business sets in its own config.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from pipelines.settings import DBT_PROJECT_DIR, DEFAULT_CONFIG_PATH

CONFIG_SCHEMA = "config"
# The tables write_config_tables writes (dbt's `config` source; Dagster asset keys config/<table>).
CONFIG_TABLES = (
    "settings",
    "rfm_fixed_cut_points",
    "rfm_segments",
    "segments",
    "value_potential_matrix",
    "tag_catalog",
    "parameters",
)
DEFAULTS_SCHEMA = "config_defaults"
# The model whose columns the rules may use; its YAML lists them with their types (contract enforced).
RULES_MODEL = "int_customers_rfm_scored"
RULES_MODEL_YAML = DBT_PROJECT_DIR / "models" / "intermediate" / "customers" / "_int_customers__models.yml"

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
ValueCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=60)]
Text = Annotated[str, Field(min_length=1)]
Score = Annotated[int, Field(ge=1, le=5)]
CutScore = Annotated[int, Field(ge=2, le=5)]
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(ValueError):
    """The segmentation config is unusable; the message names the file and the key path."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Windows(_Model):
    rfm_days: int = Field(365, gt=0)
    annual_spend_days: int = Field(365, gt=0)
    complaint_days: int = Field(365, gt=0)


class PointInTime(_Model):
    use_later_versions_when_missing: bool = False


class Outliers(_Model):
    method: Literal["iqr", "quantile", "fixed", "none"] = "iqr"
    iqr_multiplier: float = Field(3.0, gt=0)
    quantile: float = Field(0.999, gt=0, lt=1)
    max_amount: float | None = Field(None, gt=0)
    min_orders: int = Field(20, ge=1)
    group_by_customer_type: bool = True
    handling: Literal["cap", "exclude", "keep"] = "cap"

    @model_validator(mode="after")
    def _fixed_needs_amount(self) -> Outliers:
        if self.method == "fixed" and self.max_amount is None:
            raise ValueError("method 'fixed' needs max_amount")
        return self


class FixedCutPoints(_Model):
    """score -> bound: minimum value for frequency and monetary, maximum days for recency."""

    frequency: dict[CutScore, float] = Field(default_factory=lambda: {5: 10, 3: 5})
    monetary: dict[CutScore, float] = Field(default_factory=lambda: {5: 10000, 3: 3000})
    recency_days: dict[CutScore, float] = Field(default_factory=lambda: {5: 30, 4: 90, 3: 180, 2: 365})

    @model_validator(mode="after")
    def _monotonic(self) -> FixedCutPoints:
        for metric, higher_is_better in (("frequency", True), ("monetary", True), ("recency_days", False)):
            bounds = [bound for _, bound in sorted(getattr(self, metric).items())]
            ordered = sorted(bounds) if higher_is_better else sorted(bounds, reverse=True)
            if bounds != ordered or len(set(bounds)) != len(bounds):
                direction = "increase" if higher_is_better else "decrease"
                raise ValueError(f"{metric}: bounds must strictly {direction} with the score, got {bounds}")
        return self


class Scoring(_Model):
    mode: Literal["quantile", "fixed"] = "quantile"
    no_activity_score: Score = 1
    fixed_cut_points: FixedCutPoints = Field(default_factory=FixedCutPoints)


class RfmClass(_Model):
    code: Code
    r: Literal["high", "low"]
    f: Literal["high", "low"]
    m: Literal["high", "low"]
    label_zh: Text
    label_en: Text


class RfmSegments(_Model):
    high_rule: Literal["score_threshold", "above_mean"] = "score_threshold"
    high_min_score: Score = 3
    classes: list[RfmClass]

    @model_validator(mode="after")
    def _eight_classes(self) -> RfmSegments:
        combos = [(c.r, c.f, c.m) for c in self.classes]
        if len(set(combos)) != 8 or len(combos) != 8:
            raise ValueError("classes must cover each of the 8 high/low combinations of r, f, m exactly once")
        if len({c.code for c in self.classes}) != 8:
            raise ValueError("class codes must be unique")
        return self


class Strategy(_Model):
    direction_zh: Text
    direction_en: Text
    measures_zh: list[Text] = Field(min_length=1)
    measures_en: list[Text] = Field(min_length=1)


class SegmentRule(_Model):
    code: Code
    label_zh: Text
    label_en: Text
    description: Text
    rule: Text
    strategy: Strategy


class Quadrant(_Model):
    code: Code
    high_value: bool
    high_potential: bool
    label_zh: Text
    label_en: Text


class Matrix(_Model):
    value_rule: Text
    potential_rule: Text
    quadrants: list[Quadrant]

    @model_validator(mode="after")
    def _four_quadrants(self) -> Matrix:
        combos = {(q.high_value, q.high_potential) for q in self.quadrants}
        if len(combos) != 4 or len(self.quadrants) != 4:
            raise ValueError("quadrants must cover each high/low combination of value and potential once")
        return self


class SegmentColumns(_Model):
    """Columns of dim_customers that show the value of one tag attribute."""

    value_tier: Code = "contribution"
    lifecycle_stage: Code = "lifecycle"
    churn_risk: Code = "churn_risk"
    complaint_risk: Code = "complaint_risk"


class Label(_Model):
    label_zh: Text
    label_en: Text


class TagValue(_Model):
    value: ValueCode
    label_zh: Text
    label_en: Text
    definition: Text
    rule: Text


class TagAttribute(_Model):
    attribute: Code
    level1: Code
    level2: Code
    label_zh: Text
    label_en: Text
    data_source: Text
    # Either a list of values (first true rule wins) ...
    values: list[TagValue] | None = None
    # ... or a value taken from the data when `rule` holds.
    value_sql: Text | None = None
    rule: Text | None = None
    definition: Text | None = None

    @model_validator(mode="after")
    def _values_or_expression(self) -> TagAttribute:
        dynamic = (self.value_sql, self.rule, self.definition)
        if self.values is not None:
            if any(dynamic):
                raise ValueError("give either values or value_sql/rule/definition, not both")
            if not self.values or len({v.value for v in self.values}) != len(self.values):
                raise ValueError("values must be a non-empty list of distinct values")
        elif not all(dynamic):
            raise ValueError("an attribute without values needs value_sql, rule and definition")
        return self


class Quality(_Model):
    """Bounds of the warning checks (pipelines/quality): crossing one warns, it never blocks."""

    # Percentage points a business segment's share of customers may move between two snapshots.
    max_segment_share_change_points: float = Field(10.0, gt=0, le=100)
    # Relative change of the mean monetary between two snapshots (0.25 = 25 %).
    max_mean_monetary_change: float = Field(0.25, gt=0)
    # Share of a source's rows in one load that may go to quarantine.
    max_quarantine_rate: float = Field(0.05, ge=0, le=1)
    # Relative change of a source's rows read versus its previous load.
    max_volume_change: float = Field(0.5, gt=0)


class SegmentationConfig(_Model):
    display_language: Literal["zh", "en"] = "zh"
    windows: Windows = Field(default_factory=Windows)
    point_in_time: PointInTime = Field(default_factory=PointInTime)
    outliers: Outliers = Field(default_factory=Outliers)
    scoring: Scoring = Field(default_factory=Scoring)
    rfm_segments: RfmSegments
    parameters: dict[Code, int | float | str] = Field(default_factory=dict)
    segments: list[SegmentRule] = Field(min_length=1, max_length=8)
    value_potential_matrix: Matrix
    segment_columns: SegmentColumns = Field(default_factory=SegmentColumns)
    tag_levels: dict[Code, Label]
    tag_sublevels: dict[Code, Label]
    tags: list[TagAttribute] = Field(min_length=1)
    quality: Quality = Field(default_factory=Quality)

    _source: Path | None = PrivateAttr(default=None)
    _sha256: str | None = PrivateAttr(default=None)

    @property
    def source(self) -> str:
        return str(self._source) if self._source else "<in memory>"

    @property
    def sha256(self) -> str:
        return self._sha256 or ""


# --------------------------------------------------------------------------------------------- loading


def load_config(path: Path | None = None) -> SegmentationConfig:
    """Load, validate and check the rules of a config file (default: `SEGMENTS_CONFIG` or the repo's)."""
    if path is None:
        path = Path(os.environ.get("SEGMENTS_CONFIG") or DEFAULT_CONFIG_PATH)
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the segmentation config ({exc.strerror})") from exc
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        config = SegmentationConfig.model_validate(data)
    except ValidationError as exc:
        lines = [f"  - {_key_path(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise ConfigError(f"{path}: invalid segmentation config:\n" + "\n".join(lines)) from None
    config._source = path.resolve()
    config._sha256 = hashlib.sha256(raw).hexdigest()
    problems = _check_references(config) + _check_rules(config)
    if problems:
        raise ConfigError(f"{path}: invalid segmentation config:\n" + "\n".join(f"  - {p}" for p in problems))
    return config


def _key_path(loc: Iterable[Any]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "<top level>"


def _check_references(config: SegmentationConfig) -> list[str]:
    problems = []
    for i, attr in enumerate(config.tags):
        if attr.level1 not in config.tag_levels:
            problems.append(f"tags[{i}].level1: unknown level {attr.level1!r} (not in tag_levels)")
        if attr.level2 not in config.tag_sublevels:
            problems.append(f"tags[{i}].level2: unknown level {attr.level2!r} (not in tag_sublevels)")
    names = [a.attribute for a in config.tags]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"tags: attribute {dup!r} appears more than once")
    by_name = {a.attribute: a for a in config.tags}
    for column, attribute in config.segment_columns.model_dump().items():
        if attribute not in by_name or by_name[attribute].values is None:
            problems.append(f"segment_columns.{column}: {attribute!r} is not a tag attribute with values")
    codes = [s.code for s in config.segments]
    for dup in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(f"segments: code {dup!r} appears more than once")
    last = len(config.segments) - 1
    if config.segments[last].rule.strip().lower() != "true":
        problems.append(f'segments[{last}].rule: the last segment must be the catch-all, rule "true"')
    codes = [t["tag_code"] for t in tag_catalog_rows(config, strict=False)]
    for dup in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(f"tags: tag_code {dup!r} is produced twice (attribute + value clash)")
    return problems


# ----------------------------------------------------------------------------------- rules and params


def _render_param(value: int | float | str, as_sql: bool) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'" if as_sql else value
    return repr(value)


def substitute(
    text: str, parameters: Mapping[str, int | float | str], where: str, as_sql: bool = True
) -> str:
    """Replace `{name}` with the parameter's value (a SQL literal when as_sql); unknown names fail."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in parameters:
            raise ConfigError(f"{where}: unknown parameter {{{name}}} (define it under parameters)")
        return _render_param(parameters[name], as_sql)

    return _PLACEHOLDER.sub(replace, text)


def _rules(config: SegmentationConfig) -> list[tuple[str, str, bool]]:
    """(key path, rule template, must be boolean) for every SQL expression of the config."""
    rules = [(f"segments[{i}].rule ({s.code})", s.rule, True) for i, s in enumerate(config.segments)]
    rules += [
        ("value_potential_matrix.value_rule", config.value_potential_matrix.value_rule, True),
        ("value_potential_matrix.potential_rule", config.value_potential_matrix.potential_rule, True),
    ]
    for i, attr in enumerate(config.tags):
        if attr.values is not None:
            rules += [
                (f"tags[{i}].values[{j}].rule ({attr.attribute}_{v.value})", v.rule, True)
                for j, v in enumerate(attr.values)
            ]
        else:
            rules += [
                (f"tags[{i}].rule ({attr.attribute})", attr.rule or "", True),
                (f"tags[{i}].value_sql ({attr.attribute})", attr.value_sql or "", False),
            ]
    return rules


@functools.lru_cache(maxsize=4)
def rule_columns(model_yaml: Path = RULES_MODEL_YAML) -> dict[str, str]:
    """Column name -> DuckDB type of the model rules run on, from its dbt YAML (the single list)."""
    models = yaml.safe_load(model_yaml.read_text(encoding="utf-8"))["models"]
    model = next(m for m in models if m["name"] == RULES_MODEL)
    return {c["name"]: c["data_type"] for c in model["columns"]}


def _check_rules(config: SegmentationConfig) -> list[str]:
    problems: list[str] = []
    templates = [(where, rule) for where, rule, _ in _rules(config)]
    templates += [(f"segments[{i}].description", s.description) for i, s in enumerate(config.segments)]
    for i, attr in enumerate(config.tags):
        templates += [
            (f"tags[{i}].values[{j}].definition", v.definition) for j, v in enumerate(attr.values or [])
        ]
    used: set[str] = set()
    for where, text in templates:
        for name in _PLACEHOLDER.findall(text):
            used.add(name)
            if name not in config.parameters:
                problems.append(f"{where}: unknown parameter {{{name}}} (define it under parameters)")
    problems += [f"parameters.{name}: not used by any rule" for name in sorted(set(config.parameters) - used)]
    if problems:
        return problems
    conn = duckdb.connect()
    try:
        columns = ", ".join(f'"{name}" {sql_type}' for name, sql_type in rule_columns().items())
        conn.execute(f"create table features ({columns})")
        for where, template, boolean in _rules(config):
            sql = substitute(template, config.parameters, where)
            if re.search(r";|--|/\*", sql):
                problems.append(f"{where}: {sql!r}: a rule is one expression (no ';' or comments)")
                continue
            try:
                # customer_id beside the rule rejects aggregates; LIMIT 0 binds without reading rows.
                result_type = str(
                    conn.sql(f"select customer_id, ({sql}) as r from features limit 0").types[1]
                )
            except duckdb.Error as exc:
                message = str(exc).splitlines()[0]
                problems.append(f"{where}: {sql!r} does not bind against {RULES_MODEL}: {message}")
                continue
            if boolean and result_type != "BOOLEAN":
                problems.append(f"{where}: {sql!r} is {result_type}, a rule must be a boolean expression")
    finally:
        conn.close()
    return problems


# ------------------------------------------------------------------------------------- table content


def tag_catalog_rows(config: SegmentationConfig, strict: bool = True) -> list[dict[str, Any]]:
    """One row per tag_code, rules and definitions with the parameters substituted."""

    def sub(text: str, where: str, as_sql: bool = True) -> str:
        return substitute(text, config.parameters, where, as_sql) if strict else text

    rows = []
    for i, attr in enumerate(config.tags):
        level1 = config.tag_levels.get(attr.level1, Label(label_zh=attr.level1, label_en=attr.level1))
        level2 = config.tag_sublevels.get(attr.level2, Label(label_zh=attr.level2, label_en=attr.level2))
        common = {
            "tag_name": attr.attribute,
            "tag_level1": attr.level1,
            "tag_level2": attr.level2,
            "tag_level1_label_zh": level1.label_zh,
            "tag_level1_label_en": level1.label_en,
            "tag_level2_label_zh": level2.label_zh,
            "tag_level2_label_en": level2.label_en,
            "tag_name_label_zh": attr.label_zh,
            "tag_name_label_en": attr.label_en,
            "data_source": attr.data_source,
            "attribute_order": i + 1,
        }
        if attr.values is None:
            rows.append(
                common
                | {
                    "tag_code": attr.attribute,
                    "tag_value": None,
                    "tag_value_label_zh": None,
                    "tag_value_label_en": None,
                    "definition": sub(attr.definition or "", f"tags[{i}].definition", as_sql=False),
                    "rule": sub(attr.rule or "", f"tags[{i}].rule"),
                    "value_sql": sub(attr.value_sql or "", f"tags[{i}].value_sql"),
                    "value_order": 1,
                    "is_dynamic": True,
                }
            )
            continue
        for j, value in enumerate(attr.values):
            rows.append(
                common
                | {
                    "tag_code": f"{attr.attribute}_{value.value}",
                    "tag_value": value.value,
                    "tag_value_label_zh": value.label_zh,
                    "tag_value_label_en": value.label_en,
                    "definition": sub(value.definition, f"tags[{i}].values[{j}].definition", as_sql=False),
                    "rule": sub(value.rule, f"tags[{i}].values[{j}].rule"),
                    "value_sql": None,
                    "value_order": j + 1,
                    "is_dynamic": False,
                }
            )
    return rows


def _tables(config: SegmentationConfig) -> dict[str, tuple[str, list[tuple[Any, ...]]]]:
    """table -> (column DDL, rows) of everything dbt reads from the config."""
    params = config.parameters
    out, seg, matrix = config.outliers, config.rfm_segments, config.value_potential_matrix
    cols = config.segment_columns
    settings = (
        config.source,
        config._sha256,
        config.display_language,
        config.windows.rfm_days,
        config.windows.annual_spend_days,
        config.windows.complaint_days,
        config.point_in_time.use_later_versions_when_missing,
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
    )
    cut_points = config.scoring.fixed_cut_points
    segments = []
    for i, s in enumerate(config.segments):
        st = s.strategy
        segments.append(
            (
                s.code,
                i + 1,
                s.label_zh,
                s.label_en,
                substitute(s.description, params, f"segments[{i}].description", as_sql=False),
                substitute(s.rule, params, f"segments[{i}].rule"),
                i == len(config.segments) - 1,
                st.direction_zh,
                st.direction_en,
                "；".join(st.measures_zh),
                "; ".join(st.measures_en),
                f"{st.direction_zh}：{'；'.join(st.measures_zh)}",
                f"{st.direction_en}: {'; '.join(st.measures_en)}",
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
    ]
    catalog = [tuple(row[name] for name, _ in catalog_columns) for row in tag_catalog_rows(config)]
    return {
        "settings": (
            "config_source varchar, config_sha256 varchar, display_language varchar, "
            "rfm_window_days integer, annual_spend_window_days integer, complaint_window_days integer, "
            "use_later_versions_when_missing boolean, outlier_method varchar, "
            "outlier_iqr_multiplier double, outlier_quantile double, outlier_max_amount decimal(18,2), "
            "outlier_min_orders integer, outlier_group_by_customer_type boolean, outlier_handling varchar, "
            "scoring_mode varchar, no_activity_score integer, rfm_high_rule varchar, "
            "rfm_high_min_score integer, matrix_value_rule varchar, matrix_potential_rule varchar, "
            "value_tier_attribute varchar, lifecycle_stage_attribute varchar, "
            "churn_risk_attribute varchar, complaint_risk_attribute varchar",
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
            "description varchar, rule varchar, is_catch_all boolean, strategy_direction_zh varchar, "
            "strategy_direction_en varchar, strategy_measures_zh varchar, strategy_measures_en varchar, "
            "strategy_zh varchar, strategy_en varchar",
            segments,
        ),
        "value_potential_matrix": (
            "quadrant varchar, is_high_value boolean, is_high_potential boolean, "
            "label_zh varchar, label_en varchar",
            [(q.code, q.high_value, q.high_potential, q.label_zh, q.label_en) for q in matrix.quadrants],
        ),
        "tag_catalog": (", ".join(f"{name} {sql_type}" for name, sql_type in catalog_columns), catalog),
        "parameters": (
            "name varchar, value varchar",
            [(name, _render_param(value, as_sql=False)) for name, value in sorted(params.items())],
        ),
    }


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
