"""Land one source in the warehouse: type every column, quarantine unusable rows, mark versions.

All of it is one DuckDB transaction per source: the raw table is replaced, that source's
quarantine rows are replaced and a `load_audit` row is appended, or nothing changes at all.
Invariant, checked after every load: rows_read = rows_kept + rows_quarantined + rows_superseded.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.extract.reader import SourceFiles, _quote, inspect_source, is_delivered, text_relation_sql
from pipelines.extract.sources import OPTIONAL_SOURCES, SOURCES, Column, SourceSpec

CONTROL_TABLES_SQL = """
create table if not exists quarantine (
    source varchar not null,
    record_key varchar,
    reason varchar not null,
    raw_record json not null,
    source_file varchar,
    loaded_at timestamptz not null
);
create table if not exists load_audit (
    source varchar not null,
    rows_read bigint not null,
    rows_kept bigint not null,
    rows_quarantined bigint not null,
    rows_superseded bigint not null,
    source_files varchar[] not null,
    loaded_at timestamptz not null
);
"""


@dataclass(frozen=True)
class LoadResult:
    """Row accounting of one source load (one `load_audit` row)."""

    source: str
    rows_read: int
    rows_kept: int
    rows_quarantined: int
    rows_superseded: int
    loaded_at: datetime
    files: tuple[str, ...]

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_kept + self.rows_quarantined + self.rows_superseded

    def metadata(self) -> dict[str, object]:
        data = asdict(self)
        data["loaded_at"] = self.loaded_at.isoformat()
        data["files"] = list(self.files)
        return data


def _typed_expr(col: Column) -> str:
    """The typed value of a column from its text `raw`: NULL when empty or unparseable."""
    raw = f"nullif(trim({_quote(col.name)}), '')"
    if col.accepted:
        return f"lower({raw})"
    if col.sql_type == "VARCHAR":
        return f"nullif({_quote(col.name)}, '')"
    return f"try_cast({raw} as {col.sql_type})"


def _problem_expr(col: Column, must_exist: bool) -> str:
    """SQL yielding a reason ("<field>: <what> '<value>'") for a bad value of `col`, else NULL."""
    name, raw, typed = col.name, f"nullif(trim({_quote(col.name)}), '')", f"t_{col.name}"
    shown = f"''' || left({raw}, 40) || ''''"
    whens = [f"when {raw} is null then " + (f"'{name}: missing'" if must_exist else "null")]
    if col.sql_type != "VARCHAR":
        whens.append(f"when {typed} is null then '{name}: unparseable {shown}")
    if col.accepted:
        allowed = ", ".join(f"'{v}'" for v in col.accepted)
        whens.append(f"when {typed} not in ({allowed}) then '{name}: unknown value {shown}")
    if col.check:
        cond = re.sub(r"\bv\b", typed, col.check)
        whens.append(f"when not ({cond}) then '{name}: out of range {shown}")
    if col.not_in_future:
        whens.append(f"when {typed} > $loaded_at then '{name}: in the future {shown}")
    return f"case {' '.join(whens)} end"


def landing_sql(source: SourceFiles) -> str:
    """Typed rows (`t_<column>`) with `_reasons` (quarantine) and `_invalid_fields` (nulled fields)."""
    spec = source.spec
    cols = spec.columns
    typed = ", ".join(f"{_typed_expr(c)} as {_quote('t_' + c.name)}" for c in cols)
    blocking = [c for c in cols if c.required or c.name in spec.strict]
    optional = [c for c in cols if not (c.required or c.name in spec.strict)]
    reasons = ", ".join(_problem_expr(c, must_exist=True) for c in blocking)
    if spec.checks_customer:
        reasons += (
            ", case when t_customer_id is not null and not exists (select 1 from crm.customers k "
            "where k.customer_id = typed.t_customer_id) then 'customer_id: unknown customer ''' "
            "|| left(t_customer_id, 40) || ''' (not in crm_customers)' end"
        )
    invalid = ", ".join(
        f"case when ({_problem_expr(c, must_exist=False)}) is not null then '{c.name}' end" for c in optional
    )
    kept = ", ".join(_quote("t_" + c) for c in spec.column_names)
    extras = "".join(", " + _quote(c) for c in source.extra_columns)
    record = _record_sql(source)
    # The text of a row is kept only where it is needed: the raw record of a quarantined row, and a
    # hash of it to break exact version ties. A text copy of every column next to its typed value
    # doubled what this table materialises (10M orders: 20 columns instead of 10).
    return f"""
        with text_rows as ({text_relation_sql(source)}),
        typed as (select *, {typed} from text_rows),
        checked as (
            select
                *,
                list_filter([{reasons}], lambda r: r is not null) as _reasons,
                list_filter([{invalid or "null"}], lambda f: f is not null)::varchar[] as _invalid_fields
            from typed
        )
        select
            {kept}{extras},
            _source_file,
            _reasons,
            _invalid_fields,
            hash({record}) as _record_hash,
            case when len(_reasons) > 0 then {spec.key_expression()} end as _raw_key,
            case when len(_reasons) > 0 then to_json({record}) end as _raw_record
        from checked
    """


def _record_sql(source: SourceFiles) -> str:
    """The row as delivered (text columns): hashed for version ties, kept for quarantined rows."""
    original = [*source.spec.column_names, *source.extra_columns]
    return "struct_pack(" + ", ".join(f"{_quote(c)} := {_quote(c)}" for c in original) + ")"


def _raw_table_sql(source: SourceFiles) -> str:
    spec = source.spec
    typed_cols = []
    for c in spec.columns:
        keep = f"case when list_contains(_invalid_fields, '{c.name}') then null else t_{c.name} end"
        typed_cols.append(f"{keep}::{c.sql_type} as {_quote(c.name)}")
    extras = [f"{_quote(c)}" for c in source.extra_columns]
    order = f"t_{spec.version_by} desc nulls last, " if spec.version_by else ""
    key = spec.key_expression("t_")
    # Only keys delivered more than once need ranking; finding them is a hash aggregate, and the
    # window then sorts those few rows instead of every row of the source. Each part reads
    # `_landing` directly: a CTE of the valid rows read three times is materialised first (a copy
    # of every row, 5 s at 10M orders).
    valid = "len(_reasons) = 0"
    return f"""
        create or replace table {spec.schema}.{spec.table} as
        with repeated as (
            select {key} from _landing where {valid} group by {key} having count(*) > 1
        ),
        ranked as (
            select
                rowid as _row,
                row_number() over (
                    partition by {key}
                    order by {order}_source_file desc, _record_hash desc
                ) = 1 as is_winner
            from _landing
            where {valid} and {key} in (select {key} from repeated)
        ),
        valid as (
            select rowid as _row, * from _landing where {valid}
        )
        select
            {", ".join(typed_cols)},
            _source_file,
            $loaded_at::timestamptz as _loaded_at,
            coalesce(ranked.is_winner, true) as _is_latest,
            _invalid_fields
            {"".join(", " + e for e in extras)}
        from valid
        left join ranked using (_row)
    """


def load_source(
    conn: duckdb.DuckDBPyConnection, spec: SourceSpec, source_dir: Path, loaded_at: datetime
) -> LoadResult:
    """Replace the raw table of `spec` from the files in `source_dir`, atomically.

    The whole drop is checked first (every source's files and required columns), so a broken
    file stops the run before any source is reloaded and the warehouse stays as it was.
    """
    for other in (*SOURCES, *OPTIONAL_SOURCES):
        if other != spec and (not other.optional or is_delivered(other, source_dir)):
            inspect_source(conn, other, source_dir, sample=True)
    source = inspect_source(conn, spec, source_dir)
    conn.execute("set TimeZone = 'UTC'")
    conn.execute(CONTROL_TABLES_SQL)
    conn.execute(f"create schema if not exists {spec.schema}")
    params = {"loaded_at": loaded_at}
    conn.execute("begin transaction")
    try:
        conn.execute(f"create or replace temp table _landing as {landing_sql(source)}", params)
        conn.execute(_raw_table_sql(source), params)
        conn.execute("delete from quarantine where source = $source", {"source": spec.name})
        conn.execute(
            """
            insert into quarantine
            select $source, _raw_key, array_to_string(_reasons, '; '), _raw_record,
                   _source_file, $loaded_at
            from _landing where len(_reasons) > 0
            """,
            {**params, "source": spec.name},
        )
        read, quarantined = conn.execute(
            "select count(*), count(*) filter (where len(_reasons) > 0) from _landing"
        ).fetchone()
        kept, superseded = conn.execute(
            f"select count(*) filter (where _is_latest), count(*) filter (where not _is_latest) "
            f"from {spec.schema}.{spec.table}"
        ).fetchone()
        files = tuple(str(p) for p in source.files)
        conn.execute(
            "insert into load_audit values ($source, $read, $kept, $quarantined, $superseded, "
            "$files, $loaded_at)",
            {
                **params,
                "source": spec.name,
                "read": read,
                "kept": kept,
                "quarantined": quarantined,
                "superseded": superseded,
                "files": list(files),
            },
        )
        conn.execute("drop table _landing")
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return LoadResult(spec.name, read, kept, quarantined, superseded, loaded_at, files)


def clear_source(conn: duckdb.DuckDBPyConnection, spec: SourceSpec, loaded_at: datetime) -> LoadResult:
    """An optional source the drop does not hold: its raw table is replaced by an empty one (of the
    contract's columns), its quarantine emptied, and a load of 0 rows is recorded."""
    columns = ", ".join(f"{_quote(c.name)} {c.sql_type}" for c in spec.columns)
    conn.execute("set TimeZone = 'UTC'")
    conn.execute(CONTROL_TABLES_SQL)
    conn.execute(f"create schema if not exists {spec.schema}")
    conn.execute("begin transaction")
    try:
        conn.execute(
            f"create or replace table {spec.schema}.{spec.table} ({columns}, _source_file varchar, "
            "_loaded_at timestamptz, _is_latest boolean, _invalid_fields varchar[])"
        )
        conn.execute("delete from quarantine where source = $source", {"source": spec.name})
        conn.execute(
            "insert into load_audit values ($source, 0, 0, 0, 0, []::varchar[], $loaded_at)",
            {"source": spec.name, "loaded_at": loaded_at},
        )
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return LoadResult(spec.name, 0, 0, 0, 0, loaded_at, ())
