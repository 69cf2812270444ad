"""The contract of each source: columns, types, keys and the rules that send a row to quarantine.

One home for what CONTRACT.md section 3 says about the input files. The extraction SQL and the
synthetic generator both read these specs, so a column added here is typed, validated and
generated everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One source column: its DuckDB type once typed, and whether a row without it is unusable."""

    name: str
    sql_type: str = "VARCHAR"
    required: bool = False
    # Allowed values (after trim + lower-case); anything else is invalid.
    accepted: tuple[str, ...] = ()
    # A SQL predicate over the typed value `v`; false means invalid (e.g. "v >= 0").
    check: str | None = None
    # Timestamps after the load time are impossible: quarantine (required) or null (optional).
    not_in_future: bool = False


@dataclass(frozen=True)
class SourceSpec:
    """A source file set and the raw table it lands in (`<schema>.<table>` in the warehouse)."""

    name: str  # file stem the operator drops in: crm_customers, orders, tickets
    schema: str  # source system, also the dbt source name and the Dagster asset key prefix
    table: str
    key: str
    columns: tuple[Column, ...]
    # Version order: the latest row per key wins; ties fall back to the raw record text.
    version_by: str | None = None
    # Quarantine rows whose customer_id never appears in the CRM raw table.
    checks_customer: bool = False
    # Column whose invalid value quarantines the row even though it is optional (unknown status).
    strict: tuple[str, ...] = field(default_factory=tuple)
    # A business may have none of these rows (no helpdesk, no orders yet): an empty source warns
    # instead of blocking (CONTRACT section 4). An empty CRM blocks: there is nobody to segment.
    may_be_empty: bool = False
    # Sources without an id of their own (campaign sends): the key is these columns together, joined
    # with '|' (`key` then names them for people). Exact repeats are superseded like versions.
    key_columns: tuple[str, ...] = ()
    # An operator may not deliver it at all (campaigns): no file = an empty raw table, no error.
    optional: bool = False

    def key_expression(self, prefix: str = "") -> str:
        """SQL of the key over the columns named `<prefix><column>` (typed: `t_`, stored: "")."""
        if not self.key_columns:
            return f'"{prefix}{self.key}"'
        parts = ", ".join(f'cast("{prefix}{c}" as varchar)' for c in self.key_columns)
        return f"concat_ws('|', {parts})"

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def asset_key(self) -> list[str]:
        return [self.schema, self.table]


CRM_CUSTOMERS = SourceSpec(
    name="crm_customers",
    schema="crm",
    table="customers",
    key="customer_id",
    version_by="updated_at",
    columns=(
        Column("customer_id", required=True),
        Column("customer_type", accepted=("individual", "enterprise")),
        Column("name"),
        Column("email"),
        Column("phone"),
        Column("gender"),
        Column("birth_date", "DATE", check="v between DATE '1900-01-01' and current_date"),
        Column("city"),
        Column("city_tier", "INTEGER", check="v between 1 and 5"),
        Column("occupation"),
        Column("income_band"),
        Column("industry"),
        Column("employee_count", "INTEGER", check="v >= 0"),
        Column("registered_capital", "DECIMAL(18,2)", check="v >= 0"),
        Column("founded_date", "DATE", check="v between DATE '1800-01-01' and current_date"),
        Column("registered_at", "TIMESTAMPTZ", required=True, not_in_future=True),
        Column("member_level"),
        Column("app_sessions_30d", "INTEGER", check="v >= 0"),
        Column("ad_impressions_90d", "INTEGER", check="v >= 0"),
        Column("ad_clicks_90d", "INTEGER", check="v >= 0"),
        Column("updated_at", "TIMESTAMPTZ", required=True, not_in_future=True),
    ),
)

ORDERS = SourceSpec(
    name="orders",
    schema="shop",
    table="orders",
    key="order_id",
    version_by="updated_at",
    checks_customer=True,
    may_be_empty=True,
    strict=("status", "amount"),
    columns=(
        Column("order_id", required=True),
        Column("customer_id", required=True),
        Column("order_ts", "TIMESTAMPTZ", required=True, not_in_future=True),
        Column("amount", "DECIMAL(18,2)", required=True, check="v >= 0"),
        Column("status", accepted=("completed", "refunded", "cancelled")),
        Column("category"),
        Column("channel", accepted=("app", "web", "mini_program", "store")),
        Column("payment_method"),
        Column("discount_amount", "DECIMAL(18,2)", check="v >= 0"),
        Column("updated_at", "TIMESTAMPTZ", not_in_future=True),
    ),
)

TICKETS = SourceSpec(
    name="tickets",
    schema="helpdesk",
    table="tickets",
    key="ticket_id",
    checks_customer=True,
    may_be_empty=True,
    columns=(
        Column("ticket_id", required=True),
        Column("customer_id", required=True),
        Column("created_at", "TIMESTAMPTZ", required=True, not_in_future=True),
        Column("ticket_type", accepted=("inquiry", "complaint", "suggestion", "after_sales")),
        Column("channel"),
        Column("satisfaction_score", "INTEGER", check="v between 1 and 5"),
        Column("resolved_at", "TIMESTAMPTZ", not_in_future=True),
    ),
)

# Optional (issue 14): who was sent which campaign, when. Without the file there are no campaign
# outcomes; with it, outcomes are also given per campaign (history.campaign_outcomes).
CAMPAIGNS = SourceSpec(
    name="campaigns",
    schema="marketing",
    table="campaigns",
    key="campaign_id|customer_id|sent_at",
    key_columns=("campaign_id", "customer_id", "sent_at"),
    checks_customer=True,
    may_be_empty=True,
    optional=True,
    columns=(
        Column("customer_id", required=True),
        Column("campaign_id", required=True),
        Column("sent_at", "TIMESTAMPTZ", required=True, not_in_future=True),
        Column("channel"),
    ),
)

SOURCES: tuple[SourceSpec, ...] = (CRM_CUSTOMERS, ORDERS, TICKETS)
# Loaded when the operator delivers them (extract assets exist for them either way).
OPTIONAL_SOURCES: tuple[SourceSpec, ...] = (CAMPAIGNS,)
