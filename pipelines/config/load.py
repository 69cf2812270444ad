"""Loading `config/segments.yml`: read, validate (pydantic), check references and rules."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipelines.config.catalog import tag_catalog_rows
from pipelines.config.cluster_features import check_cluster_features
from pipelines.config.model import ConfigError, SegmentationConfig
from pipelines.config.rules import PROFILE_MODEL, check_rules, profile_columns
from pipelines.settings import DEFAULT_CONFIG_PATH

# Validated configs by (resolved path, sha256 of the bytes): every step of a run loads the config
# (~0.25 s each, most of it binding the rules in DuckDB); the file is read again on every call, so an
# edited file is validated again. Failures are not kept.
_LOADED: dict[tuple[Path, str], SegmentationConfig] = {}


def load_config(path: Path | None = None) -> SegmentationConfig:
    """Load, validate and check the rules of a config file (default: `SEGMENTS_CONFIG` or the repo's)."""
    if path is None:
        path = Path(os.environ.get("SEGMENTS_CONFIG") or DEFAULT_CONFIG_PATH)
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the segmentation config ({exc.strerror})") from exc
    key = (path.resolve(), hashlib.sha256(raw).hexdigest())
    if key not in _LOADED:
        _LOADED.clear()  # one config at a time in practice; never grows
        _LOADED[key] = _validated(path, raw)
    return _LOADED[key]


def _validated(path: Path, raw: bytes) -> SegmentationConfig:
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        config = SegmentationConfig.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_key_path(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise ConfigError(_message(path, problems)) from None
    config._source = path.resolve()
    config._sha256 = hashlib.sha256(raw).hexdigest()
    problems = _check_references(config) + check_rules(config) + check_cluster_features(config)
    if problems:
        raise ConfigError(_message(path, problems))
    return config


def _message(path: Path, problems: list[str]) -> str:
    """One line per problem: `<file>: invalid segmentation config: <key path>: <what is wrong>`."""
    return "\n".join(f"{path}: invalid segmentation config: {problem}" for problem in problems)


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
    for i, attr in enumerate(config.tags):
        if attr.vocabulary is not None and attr.vocabulary not in config.vocabulary:
            problems.append(
                f"tags[{i}].vocabulary: unknown vocabulary {attr.vocabulary!r} (not in vocabulary)"
            )
    for j, code in enumerate(config.quality.tag_values_allowed_empty):
        if code not in codes:
            problems.append(
                f"quality.tag_values_allowed_empty[{j}]: {code!r} is not a tag_code of the catalog"
            )
    return problems + _check_insight(config, by_name) + _check_effects(config)


def _check_effects(config: SegmentationConfig) -> list[str]:
    """Holdout shares and churn segments name segments of the config."""
    known = {s.code for s in config.segments}
    problems = [
        f"holdouts.by_segment.{code}: unknown segment {code!r} (not in segments)"
        for code in config.holdouts.by_segment
        if code not in known
    ]
    problems += [
        f"outcomes.churn_segments[{j}]: unknown segment {code!r} (not in segments)"
        for j, code in enumerate(config.outcomes.churn_segments)
        if code not in known
    ]
    return problems


def _check_insight(config: SegmentationConfig, tags: dict[str, Any]) -> list[str]:
    """Profile dimensions name tag attributes and columns of dim_customers (numeric ones for numeric)."""
    problems = []
    insight = config.insight
    for j, attribute in enumerate(insight.segment_profile_tag_attributes):
        if attribute not in tags:
            problems.append(
                f"insight.segment_profile_tag_attributes[{j}]: {attribute!r} is not a tag attribute"
            )
    columns = profile_columns()
    for key in ("segment_profile_columns", "segment_profile_numeric"):
        for column in getattr(insight, key):
            if column not in columns:
                problems.append(f"insight.{key}.{column}: not a column of {PROFILE_MODEL}")
            elif key == "segment_profile_numeric" and not _is_numeric(columns[column]):
                problems.append(f"insight.{key}.{column}: {columns[column]} is not numeric")
            elif key == "segment_profile_columns" and column in tags:
                problems.append(
                    f"insight.{key}.{column}: a tag attribute; list it in segment_profile_tag_attributes"
                )
    return problems


def _is_numeric(sql_type: str) -> bool:
    return sql_type.lower().split("(")[0] in {
        "integer",
        "bigint",
        "smallint",
        "tinyint",
        "hugeint",
        "double",
        "float",
        "real",
        "decimal",
        "numeric",
    }
