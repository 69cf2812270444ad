# Bootstrap from the lock file on a machine that has only python3 and make, then run or test.
# uv (pinned) is installed into .cache/uv; it creates .venv from uv.lock with the machine's python3.

PYTHON ?= python3
UV_VERSION := 0.13.8
UV_DIR := .cache/uv
UV := $(UV_DIR)/bin/uv
VENV := .venv
SYNCED := $(VENV)/.synced
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/tests -type f) \
  dbt_project/dbt_project.yml dbt_project/profiles.yml
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run test spark-check dev bench lint clean

$(UV):
	@echo "bootstrap: installing uv $(UV_VERSION) into $(UV_DIR)"
	@$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(UV_DIR) uv==$(UV_VERSION) \
	  || { $(PYTHON) -m venv $(UV_DIR) && $(UV_DIR)/bin/pip install --quiet uv==$(UV_VERSION); }

# --compile-bytecode and compileall: every process (CLI, dbt, Dagster, tests) would otherwise compile
# ~4,700 modules from source on start-up where PYTHONDONTWRITEBYTECODE is set (~10 s each time).
$(SYNCED): $(UV) uv.lock pyproject.toml
	@echo "bootstrap: creating $(VENV) from uv.lock"
	@$(UV) sync --locked --compile-bytecode --python $(PYTHON)
	@$(VENV)/bin/python -m compileall -q pipelines bench tests
	@touch $(SYNCED)

# The manifest Dagster loads the dbt assets from: parsed again whenever the dbt project changes. With
# the warehouse's file name as its path (never opened by a parse), as the quarterly runs parse: the
# parse state it leaves is where each new data dir's first run starts (pipelines/transform/dbt_runner.py).
WAREHOUSE_FILE = $$(../$(VENV)/bin/python -c "from pipelines.settings import WAREHOUSE_FILE; print(WAREHOUSE_FILE)")
$(MANIFEST): $(SYNCED) $(DBT_SOURCES)
	@cd dbt_project && DUCKDB_PATH=$(WAREHOUSE_FILE) ../$(VENV)/bin/dbt parse --quiet --profiles-dir . \
	  || { echo "bootstrap: dbt parse failed"; exit 1; }
	@touch $(MANIFEST)

install: $(SYNCED) $(MANIFEST)

run: install  ## materialise every asset for the latest complete quarter on the embedded sources
	@$(VENV)/bin/segments run

test: install  ## the whole test suite (what CI runs)
	@$(VENV)/bin/pytest

# The dbt project on Spark (local, in dbt's process; needs Java 17+) equals DuckDB: tests/spark. The uv
# group `spark` (dbt-spark, pyspark) goes into an environment of its own, .venv-spark: with pyspark
# installed, importing great_expectations ends the process (pyspark's dependency probe calls exit),
# so the pipeline's .venv never gets it.
SPARK_VENV := .venv-spark
spark-check: install  ## build the dbt project on Spark and compare it with DuckDB (what CI runs after test)
	@UV_PROJECT_ENVIRONMENT=$(SPARK_VENV) $(UV) sync --locked --group spark --compile-bytecode --python $(PYTHON)
	@$(SPARK_VENV)/bin/pytest -m spark -n 0 tests/spark

dev: install  ## the Dagster UI, on the same instance the CLI records runs in
	@$(VENV)/bin/python -c "from pipelines.runs import prepare_instance_home; prepare_instance_home()"
	@PATH=$(CURDIR)/$(VENV)/bin:$$PATH DAGSTER_HOME=$$(cd $${SEGMENTS_DATA_DIR:-data}/dagster_home && pwd) \
	  $(VENV)/bin/dagster dev

lint: install
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) $(SPARK_VENV) $(UV_DIR) data dbt_project/target dbt_project/logs

bench: install  ## fixed cost, s1, s10 against the DuckDB floor and history growth, with the targets (BENCH_ARGS="--all": every target)
	@$(VENV)/bin/python bench/bench.py $(BENCH_ARGS)
