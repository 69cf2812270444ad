"""Column descriptions of the published file, from their one home each.

- Columns copied from a dbt mart: the description in the mart's YAML (doc blocks rendered), read
  from the dbt manifest (`PublishedTable.mart` names the model).
- Columns the publish and quality code creates: the dicts next to the SQL that creates them
  (`PublishedTable.columns`; the `meta` tables' in pipelines/publish/database.py).

A column found in neither is left without a comment and reported (`undocumented`), so that the
publish result, its log and the tests name it (tests/publish fail on any).
"""

import json
from collections.abc import Mapping
from pathlib import Path

from pipelines.publish.tables import PublishedTable

# dbt model name -> column name -> description.
DbtColumns = Mapping[str, Mapping[str, str]]


class ManifestMissingError(FileNotFoundError):
    """No dbt manifest to read the mart column descriptions from."""


def dbt_column_descriptions(manifest_path: Path) -> dict[str, dict[str, str]]:
    """The column descriptions of every dbt model in the manifest at `manifest_path`.

    dbt renders `{{ doc(...) }}` blocks when it parses, so the manifest holds the final text.
    """
    if not manifest_path.is_file():
        raise ManifestMissingError(
            f"no dbt manifest at {manifest_path}: run `make install` (dbt parse) or a dbt build first"
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return {
        node["name"]: {
            name: (column.get("description") or "").strip() for name, column in node["columns"].items()
        }
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }


def table_column_descriptions(table: PublishedTable, dbt_columns: DbtColumns) -> dict[str, str]:
    """Column -> description for a published table (columns without a description are absent)."""
    described = dict(dbt_columns.get(table.mart, {})) if table.mart else {}
    described.update(table.columns)
    return {name: text.strip() for name, text in described.items() if text and text.strip()}
