"""The grain-key test (`primary_key`): a key value repeated, or null in a key column not declared
nullable, fails it, once per offending key value; distinct, complete keys pass (the latest build,
`dbt build`, passed them). Checked on a copy of that build whose tables get known bad rows, on a key
of one column, a key of two, and a key of two with a nullable column."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import duckdb

from tests.transform.conftest import LATEST, DbtResult, dbt_command, dbt_env

# The checks as dagster-dbt names them (the dbt test node names).
ONE_COLUMN = "primary_key_stg_shop__orders_order_id"
TWO_COLUMNS = "primary_key_int_rfm_cut_points_metric__score"
# measure x feature, feature nullable: the overall measures have none.
NULLABLE = "primary_key_fct_segment_validation_measure__feature__feature"


def _failures(warehouse: Path, workdir: Path) -> dict[str, int]:
    command = dbt_command(f"test --select {ONE_COLUMN} {TWO_COLUMNS} {NULLABLE}", LATEST, workdir)
    done = subprocess.run(command, env=dbt_env(warehouse), capture_output=True, text=True, timeout=300)
    results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
    # dbt exits 1 when a test fails, as here on purpose; a test that could not run is an error.
    assert {r["status"] for r in results} <= {"pass", "fail"}, done.stdout[-3000:]
    return {r["unique_id"].split(".")[2]: r["failures"] for r in results}


def test_a_repeated_or_null_key_fails_once_per_key_value(
    dbt_runs: dict[str, DbtResult], tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(dbt_runs["latest"].check(), warehouse)
    with duckdb.connect(str(warehouse)) as conn:
        # One column: an order twice (one key value), two orders without a key (one, null).
        conn.execute("""
            insert into staging.stg_shop__orders
            select * from staging.stg_shop__orders order by order_id limit 1
        """)
        conn.execute("""
            insert into staging.stg_shop__orders
            select * replace (null as order_id) from staging.stg_shop__orders order by order_id limit 2
        """)
        # Two columns: a (metric, score) twice; a null metric; a null score. A score repeated under
        # another metric is no repeat of the key.
        conn.execute("""
            insert into intermediate.int_rfm_cut_points
            select * from intermediate.int_rfm_cut_points where metric = 'frequency' and score = 3
            union all
            select * replace (null as metric) from intermediate.int_rfm_cut_points
            where metric = 'monetary' and score = 5
            union all
            select * replace (null as score) from intermediate.int_rfm_cut_points
            where metric = 'monetary' and score = 5
        """)
        # Nullable: the overall measures (no feature) pass as they are; one of them twice fails, as
        # does a measure of a feature twice. (A null measure: the mart's contract refuses the row.)
        conn.execute("""
            insert into marts.fct_segment_validation
            select * from marts.fct_segment_validation where measure = 'segment_count'
            union all
            select * from marts.fct_segment_validation where measure = 'eta_squared' and feature = 'monetary'
        """)
        overall = conn.execute(
            "select count(*) from marts.fct_segment_validation where feature is null and measure is not null"
        ).fetchone()[0]
        distinct_scores = conn.execute(
            "select count(distinct score) < count(*) from intermediate.int_rfm_cut_points"
        ).fetchone()[0]
    assert distinct_scores  # the built table repeats scores across metrics, and passed
    assert overall >= 3  # segment_count twice, largest_segment_share: null features that passed
    assert _failures(warehouse, tmp_path) == {ONE_COLUMN: 2, TWO_COLUMNS: 3, NULLABLE: 2}
