"""`history/customer_contacts`: masked name and phone and the salted contact hash, per quarter.

The one history table written in Python rather than by dbt: its hash needs SEGMENTS_PII_SALT, and
a salt handed to dbt would be written into its compiled SQL, run artifacts and logs. Here it is a
query parameter and never leaves the process. dbt reads the table as the source
`history.customer_contacts` (the customer_segments view joins it).

It also holds `holdout_draw`, the customer's uniform draw in [0, 1) for the quarter's holdout group
(sha256 of salt, customer and snapshot date): salted, so that nobody can tell from a customer id
whether they are held out, and dbt's segment_history compares it with the segment's share.
"""

from datetime import date
from functools import cache
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.history.pii import install_pii_macros
from pipelines.history.resources import Privacy
from pipelines.partitions import QUARTERLY, partition_quarter, tag_run
from pipelines.resources import Warehouse
from pipelines.transform.dbt import model_key

CONTACTS = dg.AssetKey(["history", "customer_contacts"])
DDL = """
create schema if not exists history;
create table if not exists history.customer_contacts (
    snapshot_date date not null,
    customer_id varchar not null,
    name_masked varchar,
    phone_masked varchar,
    contact_hash varchar,
    contact_hash_basis varchar,
    holdout_draw double
);
alter table history.customer_contacts add column if not exists holdout_draw double;
"""


@cache
def _insert_sql() -> str:
    return (Path(__file__).parent / "sql" / "customer_contacts.sql").read_text(encoding="utf-8")


def write_contacts(conn: duckdb.DuckDBPyConnection, snapshot: date, salt: str) -> int:
    """Replace the snapshot's rows with those of the customers in the marts; returns the rows written."""
    install_pii_macros(conn)
    conn.execute(DDL)
    conn.execute("begin transaction")
    try:
        conn.execute("delete from history.customer_contacts where snapshot_date = ?", [snapshot])
        rows = conn.execute(_insert_sql(), {"snapshot_date": snapshot, "salt": salt}).fetchone()[0]
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return int(rows)


@dg.asset(
    key=CONTACTS,
    deps=[model_key(m) for m in ("stg_crm__customers", "dim_customers")],
    **QUARTERLY,
    group_name="history",
    kinds={"duckdb"},
    pool="duckdb",
)
def customer_contacts(
    context: dg.AssetExecutionContext, warehouse: Warehouse, privacy: Privacy
) -> dg.MaterializeResult:
    """Masked name, phone, salted contact hash and holdout draw of the quarter's customers (no raw values)."""
    tag_run(context)
    snapshot = partition_quarter(context).as_of
    salt, is_default = privacy.resolve_salt()
    if is_default:
        context.log.warning("SEGMENTS_PII_SALT is not set: contact hashes use the development salt")
    with warehouse.connect() as conn:
        rows = write_contacts(conn, snapshot, salt)
    return dg.MaterializeResult(metadata={"dagster/row_count": rows, "snapshot_date": snapshot.isoformat()})


defs = dg.Definitions(
    assets=dg.with_source_code_references([customer_contacts]), resources={"privacy": Privacy()}
)
