"""History and BI publishing: quarter-keyed history in the warehouse, published to a read-only file.

- `history.py`: the authoritative history (schema `history` of the working warehouse), one full
  copy per quarter, replaced as a whole in one transaction when a quarter is re-run.
- `pii.py`: masking and salted hashing of contact data, as DuckDB macros.
- `tables.py`, `manifest.py`: the published tables and which of their files are current.
- `files.py`, `database.py`, `publisher.py`: versioned Parquet files, the DuckDB file built aside and
  swapped in atomically, the Parquet mirror and the clean-up of superseded files.
- `assets.py`: the Dagster assets, checks and freshness check of the `history` and `publish` groups.

See docs/publish.md for the design and README.md for how BI tools connect.
"""
