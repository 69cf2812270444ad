"""The operator's entry points, run as subprocesses against a temporary data dir:
`segments run`, `segments backfill` and Dagster's own `dagster asset materialize`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.helpers import FIXTURES

BIN = Path(sys.executable).parent


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEGMENTS_", "DAGSTER_"))}
    env |= {
        "SEGMENTS_DATA_DIR": str(tmp_path / "data"),
        "SEGMENTS_SOURCE_DIR": str(FIXTURES / "dirty_sources"),
    }
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_segments_run_records_the_run_in_the_persistent_instance(tmp_path: Path) -> None:
    env = _env(tmp_path)
    done = _run([str(BIN / "segments"), "run", "--quarter", "2024Q2"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warehouse at" in done.stdout
    # The terminal gets what the steps report (here a load's counts), not a DEBUG line per event.
    assert "crm_customers: read " in done.stderr and " - DEBUG - " not in done.stderr, done.stderr[-3000:]
    home = tmp_path / "data" / "dagster_home"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
    assert len(runs) == 1 and runs[0].tags["dagster/partition"] == "2024-04-01"
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as conn:
        assert conn.execute("select count(*) from crm.customers").fetchone()[0] > 0


def test_segments_run_fails_with_the_cause_when_a_source_is_missing(tmp_path: Path) -> None:
    env = _env(tmp_path)
    sources = tmp_path / "partial"
    sources.mkdir()
    (sources / "crm_customers.csv").write_text((FIXTURES / "dirty_sources" / "crm_customers.csv").read_text())
    env["SEGMENTS_SOURCE_DIR"] = str(sources)
    done = _run([str(BIN / "segments"), "run", "--as-of", "2024-06-30"], env)
    assert done.returncode == 1
    assert "source 'orders': no file in" in done.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "--quarter", "2024Q5"], "is not a quarter"),  # no fifth quarter
        (["run", "--quarter", "banana"], "is not a quarter"),  # not a quarter at all
        (["run", "--as-of", "2024-02-30"], "is not a date"),  # no such day
        (["run", "--as-of", "2024-06-29"], "is not a quarter end"),  # a date, not a quarter end
        (["run", "--quarter", "1989Q4"], "before the first quarter 1990Q1"),  # outside the range
        (["run", "--quarter", "2999Q1"], "has not ended yet"),
        (["backfill", "--from", "2024Q3", "--to", "2024Q1"], "is before --from"),  # reversed range
        (["run", "--quarter", "2024Q1", "--as-of", "2024-03-31"], "not both"),
        (["run", "--quaters", "2024Q1"], "unrecognized arguments"),  # argparse's own mistakes too
        (["generate", "--customers", "0", "--out", "x"], "at least 1"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_segments_refuses_usage_mistakes_with_one_clear_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    done = _run([str(BIN / "segments"), *args], _env(tmp_path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "data" / "published").exists()


def test_a_usage_mistake_is_answered_before_dagster_loads(tmp_path: Path) -> None:
    # Dagster's import takes ~1.5 s: a mistyped quarter is answered without it.
    probe = (
        "import sys\nfrom pipelines.cli import main\n"
        "try:\n    print(main(['run', '--quarter', '2024Q5']))\n"
        "except SystemExit as exc:\n    print(exc.code)\n"
        "print(sorted(m for m in ('dagster', 'dbt', 'duckdb') if m in sys.modules))"
    )
    done = _run([sys.executable, "-c", probe], _env(tmp_path))
    assert done.stdout.split("\n")[:2] == ["2", "[]"], done.stdout + done.stderr


def test_the_command_exits_with_mains_code_after_every_exit_handler(tmp_path: Path) -> None:
    # `segments` skips the interpreter's teardown; what the run registered to happen at exit (dbt-duckdb
    # closing the warehouse, logging flushing files) must still happen, and the code must be main's.
    marker = tmp_path / "handler-ran"
    probe = (
        "import atexit, pathlib\nimport pipelines.cli as cli\n"
        "def main():\n"
        f"    atexit.register(pathlib.Path({str(marker)!r}).write_text, 'closed')\n"
        "    print('last line', end='')\n    return 3\n"
        "cli.main = main\ncli.script()"
    )
    done = _run([sys.executable, "-c", probe], _env(tmp_path))
    assert done.returncode == 3 and done.stdout == "last line", done.stdout + done.stderr
    assert marker.read_text() == "closed"


def test_dagster_asset_materialize_works_from_the_repo_root(tmp_path: Path) -> None:
    env = _env(tmp_path) | {"DAGSTER_HOME": str(tmp_path / "home")}
    (tmp_path / "home").mkdir()
    done = _run(
        [
            str(BIN / "dagster"),
            "asset",
            "materialize",
            "-m",
            "pipelines.definitions",
            "--select",
            "crm/customers",
            "--partition",
            "2024-04-01",
        ],
        env,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as conn:
        assert (
            conn.execute("select count(*) from load_audit where source = 'crm_customers'").fetchone()[0] == 1
        )
