"""A missing, unreadable or incomplete source stops the load with a message naming file and column,
and leaves the warehouse exactly as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.helpers import FIXTURES, failure_message, materialize_extract


def _snapshot(warehouse: Path) -> dict[str, list]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return {
            t: conn.execute(f"select * from {t} order by all").fetchall()
            for t in ("crm.customers", "shop.orders", "helpdesk.tickets", "quarantine", "load_audit")
        }


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[Path, Path]:
    sources = tmp_path / "sources"
    shutil.copytree(FIXTURES / "dirty_sources", sources)
    assert materialize_extract(tmp_path / "data", sources).success
    return tmp_path / "data", sources


def _failure_message(data_dir: Path, sources: Path) -> str:
    return failure_message(materialize_extract(data_dir, sources, raise_on_error=False))


def test_missing_source_file_names_the_file_and_changes_nothing(loaded: tuple[Path, Path]) -> None:
    data_dir, sources = loaded
    before = _snapshot(data_dir / "warehouse.duckdb")
    (sources / "orders.csv").unlink()
    message = _failure_message(data_dir, sources)
    assert "source 'orders': no file in" in message and "orders.csv" in message
    assert _snapshot(data_dir / "warehouse.duckdb") == before


def test_missing_required_column_names_file_and_column(loaded: tuple[Path, Path]) -> None:
    data_dir, sources = loaded
    before = _snapshot(data_dir / "warehouse.duckdb")
    path = sources / "tickets.csv"
    duckdb.execute(
        f"copy (select * exclude (created_at) from read_csv('{path}', all_varchar=true)) "
        f"to '{sources / 'tickets_tmp.csv'}' (header)"
    )
    (sources / "tickets_tmp.csv").replace(path)
    message = _failure_message(data_dir, sources)
    assert f"file {path} lacks required column(s) created_at" in message
    assert _snapshot(data_dir / "warehouse.duckdb") == before


def test_unreadable_file_names_the_file(loaded: tuple[Path, Path]) -> None:
    data_dir, sources = loaded
    before = _snapshot(data_dir / "warehouse.duckdb")
    (sources / "crm_customers.csv").unlink()
    corrupt = sources / "crm_customers.parquet"
    corrupt.write_bytes(b"PAR1 this is not a parquet file")
    message = _failure_message(data_dir, sources)
    assert f"cannot read {corrupt} as parquet" in message
    assert _snapshot(data_dir / "warehouse.duckdb") == before


def test_a_folder_of_files_is_one_source(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(FIXTURES / "dirty_sources", sources)
    folder = sources / "orders"
    folder.mkdir()
    # Split orders over two files; the accounting must be the same as for one file.
    src = sources / "orders.csv"
    duckdb.execute(
        f"copy (select * from read_csv('{src}', all_varchar=true) where order_id < 'O5') "
        f"to '{folder / 'part-1.csv'}' (header)"
    )
    duckdb.execute(
        f"copy (select * from read_csv('{src}', all_varchar=true) where order_id >= 'O5' "
        f"or order_id is null) to '{folder / 'part-2.csv'}' (header)"
    )
    src.unlink()
    assert materialize_extract(tmp_path / "data", sources).success
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as conn:
        audit = conn.execute(
            "select rows_read, len(source_files) from load_audit where source = 'orders'"
        ).fetchone()
    assert audit == (10, 2)
