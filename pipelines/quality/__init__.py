"""Data quality: Great Expectations suites as Dagster asset checks, the gate in front of publishing,
and the `quality_results` table.

- `gx.py`: load a suite from `expectations/`, validate a bounded frame, build Data Docs.
- `profiles.py` + `sql/`: the bounded frames, computed in DuckDB.
- `evaluate.py`: each check as a plain function of a connection (what the tests call).
- `checks.py`: the Dagster asset checks (which are blocking, which warn).
- `outcomes.py`, `gate.py`: the run's check outcomes from the event log; `blocking_failures`.
- `results.py`: `main.quality_results`, written by a hook of the quarterly job after every step.
"""
