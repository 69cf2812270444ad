"""The SQL rules of the config: `{parameter}` substitution, and binding every rule in DuckDB
against the columns of the model the rules run on, so that a typo fails at load time, not in dbt."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path

import duckdb
import yaml

from pipelines.config.model import ConfigError, SegmentationConfig
from pipelines.settings import DBT_PROJECT_DIR

# The model whose columns the rules may use; its YAML lists them with their types (contract enforced).
RULES_MODEL = "int_customers_rfm_scored"
# A `{name}` parameter reference in a rule or a description.
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
RULES_MODEL_YAML = DBT_PROJECT_DIR / "models" / "intermediate" / "customers" / "_int_customers__models.yml"
# The model whose columns segment profiles may use as dimensions (insight.segment_profile_*).
PROFILE_MODEL = "dim_customers"
PROFILE_MODEL_YAML = DBT_PROJECT_DIR / "models" / "marts" / "customers" / "dim_customers.yml"


def render_param(value: int | float | str, as_sql: bool) -> str:
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
        return render_param(parameters[name], as_sql)

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


@functools.lru_cache(maxsize=1)
def profile_columns(model_yaml: Path = PROFILE_MODEL_YAML) -> dict[str, str]:
    """Column name -> type of the model segment profiles read (dim_customers, contract enforced)."""
    models = yaml.safe_load(model_yaml.read_text(encoding="utf-8"))["models"]
    model = next(m for m in models if m["name"] == PROFILE_MODEL)
    return {c["name"]: c.get("data_type", "") for c in model["columns"]}


def check_rules(config: SegmentationConfig) -> list[str]:
    problems: list[str] = []
    templates = [(where, rule) for where, rule, _ in _rules(config)]
    for i, s in enumerate(config.segments):
        templates += [(f"segments[{i}].description_en", s.description_en)]
        templates += [(f"segments[{i}].description_zh", s.description_zh)] if s.description_zh else []
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
