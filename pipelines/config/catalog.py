"""The tag catalog the config defines: one row per tag_code (attribute, or attribute x value)."""

from __future__ import annotations

from typing import Any

from pipelines.config.model import Label, SegmentationConfig
from pipelines.config.rules import substitute


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
            "vocabulary": attr.vocabulary,
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
    allowed_empty = set(config.quality.tag_values_allowed_empty)
    return [row | {"may_be_empty": row["tag_code"] in allowed_empty} for row in rows]


def tag_vocabulary_rows(config: SegmentationConfig) -> list[tuple[str, str, str, str]]:
    """(tag_name, raw value, label_zh, label_en) for every data-driven attribute with a vocabulary."""
    return [
        (attr.attribute, raw, label.label_zh, label.label_en)
        for attr in config.tags
        if attr.vocabulary is not None
        for raw, label in config.vocabulary[attr.vocabulary].items()
    ]
