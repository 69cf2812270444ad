"""Column descriptions of the published file: the dbt manifest gives the marts' columns theirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.publish.descriptions import ManifestMissingError, dbt_column_descriptions
from pipelines.publish.history import MART_COPIES
from pipelines.publish.tables import PUBLISHED_TABLES
from pipelines.transform.dbt import dbt_project, mart_docs_manifest, run_target_dir


@pytest.fixture(scope="module")
def dbt_columns() -> dict[str, dict[str, str]]:
    return dbt_column_descriptions(dbt_project.manifest_path)


def test_every_column_of_every_mart_copied_into_history_has_a_dbt_description(
    dbt_columns: dict[str, dict[str, str]],
) -> None:
    # The marts enforce their dbt contract, so their YAML lists exactly their columns.
    models = [source.split(".")[-1] for source in MART_COPIES.values()]
    for model in models:
        assert dbt_columns.get(model), f"{model} is not in the dbt manifest or has no columns"
        missing = [column for column, text in dbt_columns[model].items() if not text]
        assert missing == [], f"{model}: describe these columns in its YAML: {missing}"
        # Doc blocks are rendered, not published as `{{ doc(...) }}`.
        assert not [column for column, text in dbt_columns[model].items() if "{{" in text], model


def test_each_published_column_has_one_home_for_its_description(
    dbt_columns: dict[str, dict[str, str]],
) -> None:
    for table in PUBLISHED_TABLES:
        assert table.mart or table.columns, table.name
        if table.mart:
            assert table.mart in dbt_columns, table.name
            both = set(table.columns) & set(dbt_columns[table.mart])
            assert both == set(), f"{table.name}: {both} described both in dbt and in Python"
        assert all(text.strip() for text in table.columns.values()), table.name


def test_the_last_dbt_builds_manifest_describes_the_marts_else_the_installed_one(tmp_path: Path) -> None:
    assert mart_docs_manifest(tmp_path) == dbt_project.manifest_path
    built = run_target_dir(tmp_path) / "manifest.json"
    built.parent.mkdir()
    built.write_text('{"nodes": {}}', encoding="utf-8")
    assert mart_docs_manifest(tmp_path) == built
    assert dbt_column_descriptions(built) == {}


def test_a_missing_manifest_fails_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ManifestMissingError, match="dbt parse"):
        dbt_column_descriptions(tmp_path / "manifest.json")
