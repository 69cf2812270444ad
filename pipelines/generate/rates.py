"""What the generator is asked for (`DirtyRates`) and what it reports back (`GenerationSummary`)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path

# Dirty kinds per source. Each dirty row carries exactly one defect. The first group of each source
# is what extraction sends to the quarantine, the second what it marks as a superseded version,
# the rest stays in the data (nulled or flagged downstream).
QUARANTINED_KINDS: dict[str, tuple[str, ...]] = {
    "crm_customers": ("future_timestamp", "unparseable_timestamp", "missing_required"),
    "orders": (
        "negative_amount",
        "unknown_status",
        "unknown_customer",
        "future_timestamp",
        "unparseable_timestamp",
        "missing_required",
    ),
    "tickets": ("unknown_customer", "future_timestamp", "unparseable_timestamp", "missing_required"),
}
SUPERSEDED_KINDS: dict[str, tuple[str, ...]] = {
    "crm_customers": ("duplicate_version",),
    "orders": ("duplicate_version",),
    "tickets": ("exact_duplicate",),
}
KEPT_KINDS: dict[str, tuple[str, ...]] = {
    "crm_customers": ("malformed_email", "malformed_phone", "missing_optional"),
    "orders": ("missing_optional",),
    "tickets": ("missing_optional",),
}
DIRTY_KINDS: dict[str, tuple[str, ...]] = {
    source: SUPERSEDED_KINDS[source] + KEPT_KINDS[source] + QUARANTINED_KINDS[source]
    for source in QUARANTINED_KINDS
}


@dataclass(frozen=True)
class DirtyRates:
    """Share of rows (of the clean rows of each source they apply to) that get each defect.

    Versions and duplicates add rows; malformed contacts and missing optional fields damage clean
    rows in place; every other kind adds a broken copy of a clean row (with a fresh key).
    """

    customer_versions: float = 0.01  # earlier CRM version of a customer (superseded)
    order_versions: float = 0.01  # earlier version of an order, e.g. completed before its refund
    ticket_duplicates: float = 0.005  # exact duplicate ticket rows
    malformed_email: float = 0.005
    malformed_phone: float = 0.005
    missing_optional: float = 0.01  # optional fields left empty (all sources)
    negative_amount: float = 0.002
    unknown_status: float = 0.002  # e.g. 'pending_xx'
    unknown_customer: float = 0.002  # orders and tickets of customer ids absent from the CRM
    future_timestamp: float = 0.002  # 10-20 years after the end date (all sources)
    unparseable_timestamp: float = 0.002  # '2024-13-45', 'not a date' in required timestamps
    missing_required: float = 0.002  # empty customer_id / order_id / ticket_id

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"DirtyRates.{f.name} = {value}: a rate must be in [0, 1)")
        in_place = {
            "crm_customers": self.malformed_email + self.malformed_phone + self.missing_optional,
            "orders": self.order_versions + self.missing_optional,
            "tickets": self.ticket_duplicates + self.missing_optional,
        }
        for source, total in in_place.items():
            if total > 1.0:
                raise ValueError(f"DirtyRates: in-place defects of {source} add up to {total} > 1")

    @classmethod
    def none(cls) -> DirtyRates:
        """No dirty rows at all."""
        return cls(**{f.name: 0.0 for f in fields(cls)})


@dataclass(frozen=True)
class GenerationSummary:
    """What `generate_sources` wrote: rows per file, dirty rows per source and kind, and where."""

    out_dir: Path
    fmt: str
    seed: int
    customers: int
    start_date: date
    end_date: date
    paths: dict[str, Path]
    rows: dict[str, int]  # rows written per source, dirty rows included
    dirty: dict[str, dict[str, int]]  # source -> kind -> rows
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def expected_quarantined(self) -> dict[str, int]:
        """Rows an extraction that follows the contract must send to the quarantine, per source."""
        return {s: sum(self.dirty[s][k] for k in kinds) for s, kinds in QUARANTINED_KINDS.items()}

    @property
    def expected_superseded(self) -> dict[str, int]:
        """Rows an extraction must mark as superseded versions (or duplicates), per source."""
        return {s: sum(self.dirty[s][k] for k in kinds) for s, kinds in SUPERSEDED_KINDS.items()}

    def __str__(self) -> str:
        counts = ", ".join(f"{source} {n:,}" for source, n in self.rows.items())
        dirty = sum(sum(kinds.values()) for kinds in self.dirty.values())
        return (
            f"{counts} rows ({dirty:,} dirty; {self.fmt}, seed {self.seed}, "
            f"{self.start_date}..{self.end_date}) to {self.out_dir}"
        )
