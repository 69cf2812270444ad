"""The quarterly HTML report: one self-contained page per snapshot under `published/report/`.

- `queries.py` (+ `sql/`): small aggregates read from the published file (DuckDB does the work);
- `figures.py`: Plotly figures built from those frames;
- `page.py`: a snapshot's page and the index, as HTML strings (plotly.js inlined once per page);
- `writer.py`: which pages a publish (re)writes, written atomically; called by the publish asset.

See the README ("The quarterly report") and docs/publish.md.
"""
