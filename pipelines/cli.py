"""`segments`: the operator's command line (generate sources, run a quarter, backfill quarters).

`run` and `backfill` execute the Dagster job in-process (see `pipelines.runs`), recorded in the
persistent instance under `$SEGMENTS_DATA_DIR/dagster_home`, so `dagster dev` shows them.
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

from pipelines.quarters import Quarter, first_partition_quarter, quarter_range


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake reported on one line (exit code 2) instead of the usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _date(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


def _quarter_from_args(args: argparse.Namespace) -> Quarter:
    if args.quarter and args.as_of:
        raise ValueError("give --quarter or --as-of, not both")
    if args.quarter:
        return Quarter.parse(args.quarter)
    if args.as_of:
        return Quarter.ending_on(_date("--as-of", args.as_of))
    return Quarter.latest_complete(date.today())


def quarters_to_run(args: argparse.Namespace, today: date) -> list[Quarter]:
    """The quarters `run` / `backfill` asked for, in order; ValueError naming the problem otherwise."""
    if args.command == "run":
        quarters = [_quarter_from_args(args)]
    else:
        quarters = quarter_range(Quarter.parse(args.first), Quarter.parse(args.last))
    first = first_partition_quarter()
    if quarters[0] < first:
        raise ValueError(
            f"{quarters[0]} is before the first quarter {first} "
            "(set SEGMENTS_FIRST_QUARTER to run earlier ones)"
        )
    latest = Quarter.latest_complete(today)
    if quarters[-1] > latest:
        raise ValueError(f"{quarters[-1]} has not ended yet; the latest complete quarter is {latest}")
    return quarters


def _generate(args: argparse.Namespace) -> int:
    from pipelines.generate import generate_sources

    end = _date("--end-date", args.end_date) if args.end_date else None
    if args.customers < 1:
        raise ValueError(f"--customers must be at least 1, got {args.customers}")
    started = time.monotonic()
    summary = generate_sources(
        Path(args.out),
        customers=args.customers,
        seed=args.seed,
        end_date=end,
        fmt=args.format,
        years=args.years,
        progress=print,
    )
    print(f"segments: wrote {summary} in {time.monotonic() - started:.1f}s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="segments", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="materialise every asset for one quarter")
    run.add_argument("--quarter", help="e.g. 2025Q4 (default: latest complete quarter)")
    run.add_argument("--as-of", help="the quarter's last day, e.g. 2025-12-31")

    backfill = sub.add_parser("backfill", help="run each quarter from --from to --to, in order")
    backfill.add_argument("--from", dest="first", required=True, help="first quarter, e.g. 2024Q1")
    backfill.add_argument("--to", dest="last", required=True, help="last quarter, e.g. 2025Q4")

    gen = sub.add_parser("generate", help="write synthetic sources")
    gen.add_argument("--customers", type=int, required=True)
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--out", required=True, help="output directory")
    gen.add_argument("--format", choices=["csv", "parquet", "jsonl"], default="csv")
    gen.add_argument("--end-date", help="last day of history (default: latest complete quarter end)")
    gen.add_argument("--years", type=int, default=3, help="years of history (default 3)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "generate":
            return _generate(args)
        quarters = quarters_to_run(args, date.today())
    except ValueError as exc:
        print(f"segments: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"segments: {exc}", file=sys.stderr)
        return 1
    from pipelines.runs import run_quarters  # Dagster's import: not for a usage error

    return 0 if run_quarters(quarters) else 1


def script() -> NoReturn:
    """The `segments` command: main(), then an exit that leaves freeing the heap to the OS.

    After a run, the interpreter's own teardown frees the whole heap object by object (Dagster's
    definitions, dbt's manifests): ~2 s of a ~25 s quarter, for memory the OS takes back at once.
    The exit handlers still run first, and they are what must run: dbt-duckdb's closes the
    warehouse, logging's flushes dbt's log file. This one is registered before any of them, so it
    runs after them all (they run last-registered first); then only the teardown is skipped.
    """
    returned: list[int] = []

    def end_without_teardown() -> None:
        if returned:  # an uncaught exception or Ctrl-C ends the ordinary way, with its own code
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(returned[0])

    atexit.register(end_without_teardown)
    returned.append(main())
    sys.exit(returned[0])


if __name__ == "__main__":
    script()
