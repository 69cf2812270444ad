"""The tags are stored without labels, and nothing a reader sees changes: tag_history shows every
tag row with its quarter's levels and labels (the upgrade of an earlier release's wide tag_history:
tests/publish/test_history.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.transform.conftest import LATEST


def _rows_only_in(conn: duckdb.DuckDBPyConnection, one: str, other: str) -> int:
    return conn.execute(f"select count(*) from (({one}) except all ({other}))").fetchone()[0]


def test_tag_history_shows_each_tag_row_with_its_catalog_levels_and_labels(latest_build: Path) -> None:
    with duckdb.connect(str(latest_build), read_only=True) as conn:
        # Expected: each tag of the mart, levels from the catalog; a fixed value's labels from the
        # catalog, a data-driven value's from the vocabulary, else raw (plain SQL over the config).
        expected = f"""
            select
                tags.snapshot_date, tags.customer_id, tags.tag_code, tags.tag_name,
                catalog.tag_level1, catalog.tag_level2, tags.tag_value,
                coalesce(catalog.tag_value_label_zh, vocabulary.label_zh, tags.tag_value) as label_zh,
                coalesce(catalog.tag_value_label_en, vocabulary.label_en, tags.tag_value) as label_en
            from marts.fct_customer_tags as tags
            join config.tag_catalog as catalog using (tag_code)
            left join config.tag_vocabulary as vocabulary
                on catalog.is_dynamic and vocabulary.tag_name = tags.tag_name
                and vocabulary.tag_value = tags.tag_value
            where tags.snapshot_date = '{LATEST}'
        """
        shown = """
            select snapshot_date, customer_id, tag_code, tag_name, tag_level1, tag_level2, tag_value,
                tag_value_label_zh, tag_value_label_en
            from history.tag_history
        """
        assert conn.execute(f"select count(*) from ({expected})").fetchone()[0] > 1000
        assert _rows_only_in(conn, expected, shown) == 0
        assert _rows_only_in(conn, shown, expected) == 0
        # the combined labels are the attribute's label and the value's
        mislabelled = conn.execute("""
            select count(*) from history.tag_history as tags
            join config.tag_catalog as catalog on tags.tag_code = catalog.tag_code
            where tags.tag_label_zh != catalog.tag_name_label_zh || '：' || tags.tag_value_label_zh
                or tags.tag_label_en != catalog.tag_name_label_en || ': ' || tags.tag_value_label_en
                or tags.tag_label is distinct from tags.tag_label_zh
        """).fetchone()[0]
        assert mislabelled == 0
