"""The tags are stored without labels, and nothing a reader sees changes: tag_history shows every
tag row with its quarter's levels and labels, and a warehouse of an earlier release, whose
tag_history was a wide table, keeps every quarter through the upgrade."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from tests.transform.conftest import LATEST, DbtResult, run_dbt

EARLIER = "2025-09-30"
HISTORY_MODELS = "customer_tag_history tag_value_history tag_history"


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


def test_an_earlier_releases_wide_tag_history_keeps_every_quarter(
    dbt_runs: dict[str, DbtResult], tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(dbt_runs["latest"].check(), warehouse)
    with duckdb.connect(str(warehouse)) as conn:
        # The earlier layout: one wide table with the labels on every row. It holds an earlier
        # quarter (labels of its own, to tell them apart) and a stale write of the latest one, which
        # the new build replaces as a re-run always did.
        conn.execute(f"""
            create table history.wide as
            select * replace (cast('{EARLIER}' as date) as snapshot_date,
                              'then: ' || tag_value_label_en as tag_value_label_en)
            from history.tag_history
            union all
            select * replace ('stale' as tag_value_label_zh) from history.tag_history
        """)
        # What a reader must still see afterwards, kept aside (no model reads this schema).
        conn.execute("create schema expected")
        conn.execute(
            f"create table expected.earlier as select * from history.wide where snapshot_date = '{EARLIER}'"
        )
        conn.execute("create table expected.latest as select * from history.tag_history")
        conn.execute("drop view history.tag_history")
        conn.execute("drop view history.customer_tags")
        conn.execute("drop table history.customer_tag_history")
        conn.execute("drop table history.tag_value_history")
        conn.execute("alter table history.wide rename to tag_history")

    done, results = run_dbt(f"run --select {HISTORY_MODELS} customer_tags", warehouse, tmp_path)
    assert done.returncode == 0 and {r["status"] for r in results} == {"success"}, done.stdout[-3000:]

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        kind = conn.execute(
            "select table_type from information_schema.tables "
            "where table_schema = 'history' and table_name = 'tag_history'"
        ).fetchone()[0]
        now = "select * from history.tag_history"
        expected = "select * from expected.earlier union all select * from expected.latest"
        only_now, only_expected = _rows_only_in(conn, now, expected), _rows_only_in(conn, expected, now)
        per_quarter = conn.execute(
            "select snapshot_date::varchar, count(*) from history.tag_history group by 1 order by 1"
        ).fetchall()
        sizes = conn.execute(
            "select (select count(*) from expected.earlier), (select count(*) from expected.latest)"
        ).fetchone()
    assert kind == "VIEW"
    assert (only_now, only_expected) == (0, 0)
    assert per_quarter == [(EARLIER, sizes[0]), (LATEST.isoformat(), sizes[1])]
