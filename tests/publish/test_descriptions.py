"""What is published, and how it is described, comes from one place: the dbt YAML (`meta.publish`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.publish.tables import ManifestMissingError, published_tables
from pipelines.transform.dbt import built_manifest, dbt_project, run_target_dir
from tests.publish.contract import TABLES


def test_the_dbt_yaml_publishes_exactly_the_contract_tables() -> None:
    assert sorted(table.name for table in published_tables(dbt_project.manifest_path)) == sorted(TABLES)


def test_every_published_table_and_column_of_its_marts_is_described() -> None:
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    models = {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    for table in published_tables(dbt_project.manifest_path):
        assert table.description, table.name
        # Doc blocks are rendered, not published as `{{ doc(...) }}`.
        assert not [column for column, text in table.columns.items() if "{{" in text], table.name
        origin = models.get(table.name)
        columns_from = (origin or {}).get("config", {}).get("meta", {}).get("publish", {}).get("columns_from")
        if columns_from:
            # The mart enforces its contract, so its YAML lists exactly its columns: all described.
            mart_columns = set(models[columns_from]["columns"])
            assert mart_columns <= set(table.columns), f"{table.name}: {mart_columns - set(table.columns)}"


def test_the_last_dbt_builds_manifest_is_read_else_the_installed_one(tmp_path: Path) -> None:
    assert built_manifest(tmp_path) == dbt_project.manifest_path
    built = run_target_dir(tmp_path) / "manifest.json"
    built.parent.mkdir()
    built.write_text('{"nodes": {}, "sources": {}}', encoding="utf-8")
    assert built_manifest(tmp_path) == built
    assert published_tables(built) == ()


def test_a_missing_manifest_fails_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ManifestMissingError, match="dbt parse"):
        published_tables(tmp_path / "manifest.json")
