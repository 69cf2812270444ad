"""Find a source's files and expose them to DuckDB as one relation of untyped (text) columns.

A source is `<name>.csv|.parquet|.jsonl` or a folder `<name>/` of such files. Each file is checked
before anything is loaded: readable, and holding every required column. Errors name the file and
the column, so an operator can fix the drop and rerun.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.extract.sources import SourceSpec

FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class SourceError(RuntimeError):
    """A source file set that cannot be loaded: missing, unreadable, or without a required column."""


@dataclass(frozen=True)
class SourceFiles:
    """The files of one source, all in one format, and the columns they hold (union, in order)."""

    spec: SourceSpec
    fmt: str
    files: tuple[Path, ...]
    columns: tuple[str, ...]

    @property
    def extra_columns(self) -> list[str]:
        known = set(self.spec.column_names)
        return [c for c in self.columns if c not in known]


def is_delivered(spec: SourceSpec, source_dir: Path) -> bool:
    """Whether the drop holds any file or folder of the source (optional sources may have none)."""
    return (
        any((source_dir / f"{spec.name}{ext}").is_file() for ext in FORMATS)
        or (source_dir / spec.name).is_dir()
    )


def find_files(spec: SourceSpec, source_dir: Path) -> tuple[str, tuple[Path, ...]]:
    """Locate `<name>.<ext>` or the folder `<name>/`; return the format and the sorted file list."""
    candidates = [source_dir / f"{spec.name}{ext}" for ext in FORMATS]
    singles = [p for p in candidates if p.is_file()]
    folder = source_dir / spec.name
    found = singles + ([folder] if folder.is_dir() else [])
    expected = f"{spec.name}.csv|.parquet|.jsonl or a folder {spec.name}/"
    if not found:
        raise SourceError(f"source '{spec.name}': no file in {source_dir} (expected {expected})")
    if len(found) > 1:
        names = ", ".join(str(p) for p in found)
        raise SourceError(f"source '{spec.name}': several candidates ({names}); keep exactly one")
    if found[0].is_file():
        return FORMATS[found[0].suffix], (found[0],)
    files = tuple(sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in FORMATS))
    if not files:
        raise SourceError(f"source '{spec.name}': folder {folder} holds no .csv, .parquet or .jsonl file")
    formats = {FORMATS[p.suffix] for p in files}
    if len(formats) > 1:
        raise SourceError(f"source '{spec.name}': folder {folder} mixes formats {sorted(formats)}; use one")
    return formats.pop(), files


def _scan_sql(fmt: str, files: list[str] | str) -> str:
    """A DuckDB table function reading `files` with every column as text (plus `filename`)."""
    listing = repr(files) if isinstance(files, str) else "[" + ", ".join(repr(f) for f in files) + "]"
    if fmt == "csv":
        return (
            f"read_csv({listing}, header = true, all_varchar = true, union_by_name = true, "
            "filename = true, auto_detect = true)"
        )
    if fmt == "parquet":
        return f"read_parquet({listing}, union_by_name = true, filename = true)"
    return f"read_ndjson_objects({listing}, filename = true)"


def _file_columns(conn: duckdb.DuckDBPyConnection, fmt: str, path: Path, sample: bool) -> list[str]:
    if fmt == "jsonl":
        # JSON lines have no header: the columns are the keys seen (in the first rows if sampling).
        limit = "limit 1000" if sample else ""
        rows = conn.execute(
            f"select distinct unnest(json_keys(json)) as k from "
            f"(select json from {_scan_sql(fmt, str(path))} {limit})"
        ).fetchall()
        return sorted(r[0] for r in rows)
    described = conn.execute(f"select * from {_scan_sql(fmt, str(path))} limit 0").description
    return [d[0] for d in described if d[0] != "filename"]


def inspect_source(
    conn: duckdb.DuckDBPyConnection, spec: SourceSpec, source_dir: Path, sample: bool = False
) -> SourceFiles:
    """Check every file of the source is readable and has the required columns; no data is written.

    `sample=True` makes it cheap (JSON keys from the first rows only), for checking the other
    sources of a drop before loading one of them.
    """
    fmt, files = find_files(spec, source_dir)
    columns: list[str] = []
    for path in files:
        try:
            cols = _file_columns(conn, fmt, path, sample)
        except duckdb.Error as exc:
            raise SourceError(f"source '{spec.name}': cannot read {path} as {fmt}: {exc}") from exc
        missing = [c for c in spec.required if c not in cols]
        # An empty JSON lines file names no keys at all: it holds no rows, not a broken schema.
        if missing and not (fmt == "jsonl" and not cols):
            raise SourceError(
                f"source '{spec.name}': file {path} lacks required column(s) {', '.join(missing)}"
            )
        columns += [c for c in cols if c not in columns]
    ordered = [c for c in spec.column_names if c in columns] + [
        c for c in columns if c not in spec.column_names
    ]
    return SourceFiles(spec=spec, fmt=fmt, files=files, columns=tuple(ordered))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def text_relation_sql(source: SourceFiles) -> str:
    """SELECT yielding each source column as VARCHAR (NULL when a file lacks it) plus `_source_file`."""
    files = [str(p) for p in source.files]
    present = set(source.columns)
    if source.fmt == "jsonl":

        def col(c: str) -> str:
            return f"json_extract_string(json, {_json_path(c)})"
    else:

        def col(c: str) -> str:
            return f"cast({_quote(c)} as varchar)"

    selects = [
        f"{col(c) if c in present else 'cast(null as varchar)'} as {_quote(c)}"
        for c in (*source.spec.column_names, *source.extra_columns)
    ]
    return f"select {', '.join(selects)}, filename as _source_file from {_scan_sql(source.fmt, files)}"


def _json_path(key: str) -> str:
    return "'$.\"" + key.replace("'", "''").replace('"', '\\"') + "\"'"
