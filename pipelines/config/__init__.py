"""The segmentation config (package): load and validate `config/segments.yml`, and hand it to dbt as tables.

`load_config()` reads the YAML (path from `SEGMENTS_CONFIG`, read when called), validates every key
with pydantic (unknown keys fail), substitutes the named `parameters` into the rules and binds every
rule in DuckDB against the columns of the dbt model the rules run on (`int_customers_rfm_scored`, as
listed in its model YAML), so that a typo fails here, naming the file and the key, and not in dbt.

`write_config_tables(conn, config)` (re)writes the `config` schema of the warehouse, which dbt reads
as `source('config', ...)`. Data (windows, cut points, labels, strategies) is read by the models at run
time; the rules are SQL, so macros inline them at compile time (run_query). Call it before every
`dbt build`. It also writes `config_defaults` (the shipped defaults), which only the dbt unit tests
read, so that their boundary cases stay valid whatever a business sets in its own config.
"""

from pipelines.config.load import load_config
from pipelines.config.model import ConfigError, Quality, SegmentationConfig
from pipelines.config.tables import CONFIG_TABLES, write_config_tables

__all__ = [
    "CONFIG_TABLES",
    "ConfigError",
    "Quality",
    "SegmentationConfig",
    "load_config",
    "write_config_tables",
]
