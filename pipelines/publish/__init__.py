"""Publishing the history (dbt models in `dbt_project/models/history/`) to a read-only file for BI.

- `contacts.py`, `pii.py`: the one history table written in Python, masked contacts and salted hash.
- `tables.py`: what is published, read from the dbt manifest (`meta.publish`).
- `manifest.py`, `files.py`, `database.py`, `publisher.py`: versioned Parquet files, the DuckDB file
  built aside and swapped in atomically, the Parquet mirror and the clean-up of superseded files.
- `assets.py`: the publish asset; `report.py`: its Markdown metadata.

See docs/publish.md for the design and README.md for how BI tools connect.
"""
