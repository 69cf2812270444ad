"""Shared test helpers: fixture paths, format conversion, materialising assets through Dagster, dbt
in-process."""

from __future__ import annotations

import queue
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

FIXTURES = Path(__file__).parent / "fixtures"


def convert_sources(src: Path, out: Path, fmt: str) -> Path:
    """Copy the CSV sources in `src` to `out` in `fmt`, every column kept as text."""
    out.mkdir(parents=True, exist_ok=True)
    for csv in src.glob("*.csv"):
        target = out / f"{csv.stem}.{fmt}"
        options = {"csv": "(format csv, header)", "parquet": "(format parquet)", "jsonl": "(format json)"}[
            fmt
        ]
        duckdb.execute(f"copy (select * from read_csv('{csv}', all_varchar = true)) to '{target}' {options}")
    return out


def materialize_extract(
    data_dir: Path, source_dir: Path, partition_key: str = "2024-01-01", raise_on_error: bool = True
) -> dg.ExecuteInProcessResult:
    """Run the extraction assets (their checks are evaluated in the same steps) for one partition."""
    from pipelines.extract.assets import extract_assets
    from pipelines.resources import SourceDirectory, Warehouse

    return dg.materialize(
        extract_assets,
        resources={
            "warehouse": Warehouse(data_dir=str(data_dir)),
            "sources": SourceDirectory(source_dir=str(source_dir)),
        },
        partition_key=partition_key,
        raise_on_error=raise_on_error,
    )


def dbt_in_process(args: list[str], warehouse: Path, as_of: date) -> tuple[bool, str]:
    """`dbt <args>` on `warehouse` as of `as_of`, in this process like the quarterly run's dbt steps
    (the date in config.run, the manifest parsed once per warehouse): whether it succeeded, and
    dbt's lines for each model and test with its error messages."""
    from pipelines.quarters import Quarter
    from pipelines.transform.dbt import dbt_project, write_as_of
    from pipelines.transform.dbt_runner import invoke

    with duckdb.connect(str(warehouse)) as conn:
        write_as_of(conn, Quarter.ending_on(as_of))
    events: queue.Queue = queue.Queue()
    done = invoke(args, dbt_project, warehouse.with_suffix(".dbt"), warehouse, events)
    output = "\n".join(raw["info"]["msg"] for raw in events.queue)
    return done.success, output or str(done.exception)


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    """The root causes of a failed run, one line per failed step."""
    from pipelines.runs import step_failures

    assert not result.success, "the run was expected to fail"
    return "\n".join(step_failures(result))
