"""Benchmark suite: the full quarterly pipeline through the real CLI versus a hand-written DuckDB floor.

    .venv/bin/python bench/bench.py                 # fixed, s1, s10 (3 repeats), history 8: `make bench`
    .venv/bin/python bench/bench.py --all           # every target: the above, s100 and the suite (~1 h)
    .venv/bin/python bench/bench.py --scales s100   # the 10M-customer scale (slow)
    .venv/bin/python bench/bench.py --fixed         # the fixed cost: a 1,000-customer quarter
    .venv/bin/python bench/bench.py --history 8     # history + publish of quarter 8 vs the quarter alone (s1)
    .venv/bin/python bench/bench.py --suite         # `make test` on a fresh clone of HEAD
    .venv/bin/python bench/bench.py --fixed --repeat 3 --history 8 --history-scale fixed

Given any of --scales, --fixed, --history or --suite, only what they name is measured.

Sources are generated once per scale with our own generator and cached under .cache/bench/.
Every measurement runs in a fresh process; peak memory is the largest resident set of that
process tree. Stage times come from the Dagster event log of the run. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import dagster as dg

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache" / "bench"
BIN = Path(sys.executable).parent
SCALES = {"s1": 100_000, "s10": 1_000_000, "s100": 10_000_000, "fixed": 1_000}
END_DATE = date(2025, 12, 31)
# Issue 15's targets, one home: the fixed cost in seconds, the largest pipeline / floor ratio per
# scale, the peak memory at s100, the 8th quarter's history + publish against the 1st, `make test`.
FIXED_MAX_S = 12.0
MAX_RATIO = {"s10": 10.0, "s100": 8.0}
S100_MAX_GIB = 12.0
HISTORY_MAX_RATIO = 1.5
SUITE_MAX_S = 180.0
QUARTER = "2025Q4"
# `make bench`: every target that a default run can measure in ~20 minutes (s100 takes ~25 more,
# the suite on a fresh clone ~10): `--all` adds them.
DEFAULT_SCALES = "fixed,s1,s10"
ALL_SCALES = "fixed,s1,s10,s100"
DEFAULT_HISTORY = 8
# pytest's last line: "445 passed, 86 warnings in 431.46s (0:07:11)".
PYTEST_SUMMARY = re.compile(r"=+ (?P<counts>.*?) in (?P<seconds>[\d.]+)s")

# Runs a command and prints the peak RSS (KiB) of its whole process tree as the last line.
MEASURE = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)"
)


def sources(scale: str) -> Path:
    """Generated Parquet sources for a scale, cached (same seed and end date -> same data)."""
    from pipelines.generate import generate_sources

    out = CACHE / scale / "sources"
    if not (out / "orders.parquet").exists():
        print(f"bench: generating {scale} ({SCALES[scale]:,} customers) into {out}", flush=True)
        started = time.monotonic()
        generate_sources(out, customers=SCALES[scale], end_date=END_DATE, fmt="parquet")
        print(f"bench: generated {scale} in {time.monotonic() - started:.1f} s", flush=True)
    return out


def measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak memory (GiB) of `cmd` run in a fresh process tree."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", MEASURE, *cmd], env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    peak_kib = int(done.stdout.strip().splitlines()[-1])
    return wall, peak_kib / 1024 / 1024


def floor(scale: str, src: Path) -> tuple[float, float]:
    out = CACHE / scale / "floor.parquet"
    script = (
        "import duckdb, sys; conn = duckdb.connect(); "
        "conn.execute('set variable src = ?', [sys.argv[2]]); "
        "conn.execute('set variable as_of = ?', [sys.argv[4]]); "
        "conn.execute(open(sys.argv[1]).read().replace('__OUT__', sys.argv[3]))"
    )
    return measured(
        [
            sys.executable,
            "-c",
            script,
            str(REPO / "bench" / "floor.sql"),
            str(src),
            str(out),
            END_DATE.isoformat(),
        ],
        dict(os.environ),
    )


def stage_times(data_dir: Path) -> dict[str, float]:
    """Seconds per step of the latest run, from the Dagster event log."""
    with dg.DagsterInstance.from_config(str(data_dir / "dagster_home")) as instance:
        run = instance.get_runs(limit=1)[0]
        starts: dict[str, float] = {}
        times: dict[str, float] = {}
        for record in instance.all_logs(run.run_id):
            event = record.dagster_event
            if event is None or record.step_key is None:
                continue
            if event.event_type_value == "STEP_START":
                starts[record.step_key] = record.timestamp
            elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and record.step_key in starts:
                times[record.step_key] = record.timestamp - starts[record.step_key]
    return times


def pipeline(src: Path, data_dir: Path, quarters: list[str], fresh: bool = True) -> tuple[float, float]:
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    env = {**os.environ, "SEGMENTS_SOURCE_DIR": str(src), "SEGMENTS_DATA_DIR": str(data_dir)}
    env.pop("DAGSTER_HOME", None)
    if len(quarters) == 1:
        cmd = [str(BIN / "segments"), "run", "--quarter", quarters[0]]
    else:
        cmd = [str(BIN / "segments"), "backfill", "--from", quarters[0], "--to", quarters[-1]]
    return measured(cmd, env)


def bench_scale(scale: str, repeat: int) -> dict[str, object]:
    src = sources(scale)
    floors, runs, stages = [], [], []
    for i in range(repeat):
        floors.append(floor(scale, src))
        print(f"bench: {scale} floor #{i + 1}: {floors[-1][0]:.1f} s, {floors[-1][1]:.2f} GiB", flush=True)
        data_dir = CACHE / scale / "run"
        runs.append(pipeline(src, data_dir, [QUARTER]))
        stages.append(stage_times(data_dir))
        print(f"bench: {scale} pipeline #{i + 1}: {runs[-1][0]:.1f} s, {runs[-1][1]:.2f} GiB", flush=True)
    median_stages = {k: statistics.median(s.get(k, 0.0) for s in stages) for k in stages[0]}
    result = {
        "scale": scale,
        "customers": SCALES[scale],
        "floor_s": statistics.median(f[0] for f in floors),
        "floor_gib": max(f[1] for f in floors),
        "pipeline_s": statistics.median(r[0] for r in runs),
        "pipeline_gib": max(r[1] for r in runs),
        "stages": median_stages,
    }
    result["ratio"] = result["pipeline_s"] / result["floor_s"]
    return result


def _history_and_publish_seconds(data_dir: Path) -> tuple[float, float]:
    """Writing the quarter into history, and publishing the file + mirror: what could grow with history."""
    steps = stage_times(data_dir)
    history = steps.get("dbt_history", 0.0) + steps.get("history__customer_contacts", 0.0)
    return history, steps.get("published__segments", 0.0)


def bench_history(quarters: int, scale: str) -> dict[str, float]:
    """Cost of the last quarter with `quarters` - 1 quarters already in history, versus the same
    quarter run alone (same population, so only the history differs): the history write and the
    publish, and the whole run (drift checks compare with the previous quarter in history)."""
    from pipelines.quarters import Quarter

    src = sources(scale)
    last = Quarter.parse(QUARTER)
    alone_dir = CACHE / scale / "history-alone"
    alone_run, _ = pipeline(src, alone_dir, [str(last)])
    alone = sum(_history_and_publish_seconds(alone_dir))
    print(f"bench: history {last} alone: history + publish {alone:.2f} s, run {alone_run:.1f} s", flush=True)

    data_dir = CACHE / scale / "history"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    quarter = last
    for _ in range(quarters - 1):
        quarter = quarter.previous
    while quarter <= last:
        run, _ = pipeline(src, data_dir, [str(quarter)], fresh=False)
        history, published = _history_and_publish_seconds(data_dir)
        print(
            f"bench: history {quarter}: history {history:.2f} s + publish {published:.2f} s, run {run:.1f} s",
            flush=True,
        )
        quarter = quarter.next
    after = history + published
    return {
        "first_publish_s": alone,
        "last_publish_s": after,
        "ratio": after / alone if alone else float("nan"),
        "first_run_s": alone_run,
        "last_run_s": run,
        "run_ratio": run / alone_run if alone_run else float("nan"),
    }


def bench_suite() -> dict[str, object]:
    """`make test` on a fresh clone of HEAD, as CI runs it: the clone's bootstrap (`make install`,
    from the machine's uv and pip caches) first, untimed; then `make test`, timed whole."""
    with tempfile.TemporaryDirectory(prefix="segments-suite-") as tmp:
        clone = Path(tmp) / "repo"
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("SEGMENTS_", "DAGSTER_", "VIRTUAL_ENV"))
        }
        print(f"bench: suite: bootstrapping a fresh clone in {clone}", flush=True)
        install = subprocess.run(["make", "install"], cwd=clone, env=env, capture_output=True, text=True)
        if install.returncode != 0:
            raise RuntimeError(
                f"make install failed in the clone:\n{install.stdout[-4000:]}{install.stderr[-4000:]}"
            )
        print("bench: suite: make test", flush=True)
        started = time.monotonic()
        done = subprocess.run(["make", "test"], cwd=clone, env=env, capture_output=True, text=True)
        seconds = time.monotonic() - started
    summary = PYTEST_SUMMARY.search(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "")
    if done.returncode != 0 or summary is None:
        raise RuntimeError(f"make test failed in the clone:\n{done.stdout[-4000:]}{done.stderr[-4000:]}")
    print(
        f"bench: suite: {summary['counts']} in {seconds:.1f} s (pytest: {summary['seconds']} s)", flush=True
    )
    return {"seconds": seconds, "pytest_s": float(summary["seconds"]), "counts": summary["counts"]}


def markdown(results: list[dict[str, object]]) -> str:
    lines = [
        "| scale | customers | floor | pipeline | pipeline / floor | peak memory (pipeline) |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['scale']} | {r['customers']:,} | {r['floor_s']:.1f} s, {r['floor_gib']:.2f} GiB | "
            f"{r['pipeline_s']:.1f} s | {r['ratio']:.1f}x | {r['pipeline_gib']:.2f} GiB |"
        )
    for r in results:
        lines += [
            "",
            f"Stages of {r['scale']} (median seconds, from the Dagster event log):",
            "",
            "| step | seconds |",
            "|---|---|",
        ]
        for step, seconds in sorted(r["stages"].items(), key=lambda kv: -kv[1]):
            lines.append(f"| {step} | {seconds:.1f} |")
    return "\n".join(lines)


def target_rows(
    results: list[dict[str, object]], history: dict[str, float] | None, suite: dict[str, object] | None
) -> list[str]:
    """A Markdown table of the targets this invocation measured, each with its status."""

    def row(target: str, measured: str, met: bool) -> str:
        return f"| {target} | {measured} | {'met' if met else 'NOT met'} |"

    rows = []
    for r in results:
        scale, seconds, gib = r["scale"], float(r["pipeline_s"]), float(r["pipeline_gib"])
        if scale == "fixed":
            rows.append(row(f"fixed cost < {FIXED_MAX_S:g} s", f"{seconds:.1f} s", seconds < FIXED_MAX_S))
        if scale in MAX_RATIO:
            ratio, limit = float(r["ratio"]), MAX_RATIO[scale]
            rows.append(row(f"{scale} <= {limit:g}x floor", f"{ratio:.1f}x", ratio <= limit))
        if scale == "s100":
            rows.append(row(f"s100 peak < {S100_MAX_GIB:g} GiB", f"{gib:.2f} GiB", gib < S100_MAX_GIB))
    if history:
        ratio, limit = history["ratio"], HISTORY_MAX_RATIO
        rows.append(row(f"8th quarter <= {limit:g}x the 1st", f"{ratio:.2f}x", ratio <= limit))
    if suite:
        seconds = float(suite["seconds"])
        rows.append(
            row(f"make test (fresh clone) < {SUITE_MAX_S:g} s", f"{seconds:.1f} s", seconds < SUITE_MAX_S)
        )
    if not rows:
        return []
    return ["", "Targets (issue 15):", "", "| target | measured | status |", "|---|---|---|", *rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scales", help=f"comma-separated: fixed (1,000 customers), s1, s10, s100 (default {DEFAULT_SCALES})"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--fixed", action="store_true", help="the 1,000-customer fixed cost (same as --scales fixed)"
    )
    parser.add_argument(
        "--history", type=int, help=f"quarters to run for history growth (default {DEFAULT_HISTORY})"
    )
    parser.add_argument("--history-scale", default="s1", help="scale of the history run (default s1)")
    parser.add_argument("--suite", action="store_true", help="time `make test` on a fresh clone of HEAD")
    parser.add_argument("--all", action="store_true", help="every target: all scales, history, the suite")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()
    chosen = args.scales is not None or args.fixed or args.history is not None or args.suite
    if args.all:
        scales, quarters, suite = ALL_SCALES, DEFAULT_HISTORY, True
    elif chosen:
        scales = ",".join(filter(None, [args.scales, "fixed" if args.fixed else None]))
        quarters, suite = args.history or 0, args.suite
    else:
        scales, quarters, suite = DEFAULT_SCALES, DEFAULT_HISTORY, False
    results: list[dict[str, object]] = []
    for scale in dict.fromkeys(s.strip() for s in scales.split(",") if s.strip()):
        results.append(bench_scale(scale, args.repeat))
    if results:
        print(markdown(results))
    history = bench_history(quarters, args.history_scale) if quarters > 1 else None
    if history:
        print(
            f"\nHistory: {QUARTER} written and published alone {history['first_publish_s']:.2f} s, "
            f"as quarter {quarters} of history {history['last_publish_s']:.2f} s "
            f"({history['ratio']:.2f}x); whole run {history['first_run_s']:.1f} s alone, "
            f"{history['last_run_s']:.1f} s as quarter {quarters} ({history['run_ratio']:.2f}x)"
        )
    suite_result = bench_suite() if suite else None
    print("\n".join(target_rows(results, history, suite_result)))
    if args.json:
        args.json.write_text(
            json.dumps({"scales": results, "history": history, "suite": suite_result}, indent=2, default=str)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
