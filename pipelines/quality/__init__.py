"""Data quality beyond the dbt tests: Great Expectations suites evaluated in the step of the asset
they judge (raw schema, load volume and quarantine, drift between quarters), and `quality_results`.

- `checks.py`: the checks (specs and evaluations); `gx.py`: suites in `expectations/`, validated on
  small frames that `frames.py` + `sql/` compute in DuckDB.
- `results.py`: `main.quality_results`, written once per run from the run's check results.
"""
