"""What each quality check does, as plain functions of a warehouse connection: build the bounded
frame(s) in DuckDB, validate them with the check's GX suite(s), and return an `Evaluation`.

The Dagster asset checks (`checks.py`) are thin wrappers around these; the tests call them directly
on crafted warehouses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from pipelines.config import Quality
from pipelines.extract.sources import SourceSpec
from pipelines.quality import baselines, profiles
from pipelines.quality.gx import DataDocs, SuiteResult, plain, validate

# Frames longer than this are summarised in the check metadata (the full result is in Data Docs).
METADATA_ROWS = 30


@dataclass(frozen=True)
class Evaluation:
    """The verdict of one check: its suites' results, the observed values and the thresholds."""

    suites: Sequence[SuiteResult]
    observed: Mapping[str, Any]
    thresholds: Mapping[str, Any] = field(default_factory=dict)
    note: str | None = None

    @property
    def passed(self) -> bool:
        return all(s.success for s in self.suites)

    @property
    def failed_expectations(self) -> list[str]:
        """`<column>: found <observed>, expected <bound> (<expectation>)`, prefixed with the suite
        when the check runs several."""
        prefix = len(self.suites) > 1
        return [
            f"{s.suite}: {failure}" if prefix else failure
            for s in self.suites
            for failure in s.failed_expectations
        ]

    def summary(self) -> str:
        """One line: what failed with the observed values, or how many expectations held."""
        if self.passed:
            total = sum(len(s.outcomes) for s in self.suites)
            return f"all {total} expectations met" + (f" ({self.note})" if self.note else "")
        return "; ".join(self.failed_expectations)

    def to_check_result(self, warning: bool = False) -> dg.AssetCheckResult:
        metadata: dict[str, Any] = {
            "observed": dg.MetadataValue.json(plain(dict(self.observed))),
            "thresholds": dg.MetadataValue.json(plain(dict(self.thresholds))),
            "failed_expectations": dg.MetadataValue.json(self.failed_expectations),
            "expectations_met": f"{sum(o.success for s in self.suites for o in s.outcomes)} of "
            f"{sum(len(s.outcomes) for s in self.suites)}",
            "gx_suites": ", ".join(f"expectations/{s.suite}.json" for s in self.suites),
        }
        pages = [s.data_docs_page for s in self.suites if s.data_docs_page]
        for suite, page in ((s.suite, s.data_docs_page) for s in self.suites if s.data_docs_page):
            key = "data_docs" if len(pages) == 1 else f"data_docs_{suite}"
            metadata[key] = dg.MetadataValue.url(page.as_uri())
        if pages:
            metadata["data_docs_index"] = dg.MetadataValue.path(str(_site_index(pages[0])))
        if self.note:
            metadata["note"] = self.note
        return dg.AssetCheckResult(
            passed=self.passed,
            severity=dg.AssetCheckSeverity.WARN if warning else dg.AssetCheckSeverity.ERROR,
            description=self.summary(),
            metadata=metadata,
        )


def _site_index(page: Any) -> Any:
    for parent in page.parents:
        if (parent / "index.html").exists() and parent.name == "data_docs":
            return parent / "index.html"
    return page


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as JSON-friendly dicts (capped at METADATA_ROWS)."""
    return json.loads(frame.head(METADATA_ROWS).to_json(orient="records", date_format="iso"))


def _row(frame: pd.DataFrame) -> dict[str, Any]:
    """The single row of a profile frame (empty dict for an empty frame)."""
    rows = _rows(frame)
    return rows[0] if rows else {}


# ---------------------------------------------------------------------------------- raw sources


def raw_schema_and_keys(
    conn: duckdb.DuckDBPyConnection, spec: SourceSpec, docs: DataDocs | None = None
) -> Evaluation:
    """Blocking: the raw table has the contract's columns and types; latest keys unique, not null."""
    schema = profiles.raw_schema(conn, spec)
    keys = profiles.raw_keys(conn, spec)
    expected = profiles.expected_columns(conn, spec)
    missing = sorted(set(expected) - set(schema["column_spec"]))
    # An empty orders or tickets source is legitimate (load_volume_and_quarantine warns); an empty CRM
    # leaves nobody to segment.
    min_rows = 0 if spec.may_be_empty else 1
    return Evaluation(
        suites=[
            validate(schema, "raw_schema", {"expected_columns": expected}, docs),
            validate(keys, "raw_keys", {"min_rows": min_rows}, docs),
        ],
        observed={**_row(keys), "columns": len(schema), "missing_columns": missing},
        thresholds={
            "null_keys": 0,
            "duplicate_keys": 0,
            "min_latest_rows": min_rows,
            "required_columns": expected,
        },
    )


def load_volume_and_quarantine(
    conn: duckdb.DuckDBPyConnection, spec: SourceSpec, quality: Quality, docs: DataDocs | None = None
) -> Evaluation:
    """Warning: the source is empty, or its quarantine share or volume versus its previous load moved."""
    load = profiles.raw_load(conn, spec)
    parameters = {
        "max_quarantine_rate": quality.max_quarantine_rate,
        "max_volume_change": quality.max_volume_change,
        "min_volume_change": -quality.max_volume_change,
    }
    observed = _row(load) or {"loads": 0}
    return Evaluation(
        suites=[validate(load, "raw_load", parameters, docs)],
        observed=observed,
        thresholds={
            "min_rows_read": 1,
            "max_quarantine_rate": quality.max_quarantine_rate,
            "max_volume_change": quality.max_volume_change,
        },
        note=None if len(load) and load["previous_rows_read"].notna().all() else "no previous load",
    )


# ---------------------------------------------------------------------------------- dbt models


def _one_row_profile(profile: pd.DataFrame, suite: str, docs: DataDocs | None) -> Evaluation:
    """A suite on a one-row profile of counts: at least one customer, every other count 0."""
    return Evaluation(
        suites=[validate(profile, suite, {}, docs)],
        observed=_row(profile),
        thresholds={"min_customers": 1, "every_other_count": 0},
    )


def customer_features(conn: duckdb.DuckDBPyConnection, docs: DataDocs | None = None) -> Evaluation:
    """Blocking: one row per customer, non-empty, no negative counts or spend, rates in [0, 1]."""
    return _one_row_profile(profiles.customer_features(conn), "customer_features", docs)


def rfm_scores(conn: duckdb.DuckDBPyConnection, docs: DataDocs | None = None) -> Evaluation:
    """Blocking: R, F, M scores in 1..5, never null, monotonic in their metric."""
    table = profiles.rfm_scores(conn)
    return Evaluation(
        suites=[validate(table, "rfm_scores", {}, docs)],
        observed={"scores": _rows(table)},
        thresholds={"scores": "1..5", "monotonic": "worst_ranking(score) > best_ranking(any lower score)"},
    )


def segments(conn: duckdb.DuckDBPyConnection, docs: DataDocs | None = None) -> Evaluation:
    """Blocking: a non-empty snapshot with exactly one known segment per registered customer."""
    return _one_row_profile(profiles.segments(conn), "segments", docs)


def segment_shares(conn: duckdb.DuckDBPyConnection, docs: DataDocs | None = None) -> Evaluation:
    """Blocking: segment shares of the summary sum to 1 and its sizes add up to the population."""
    summary = profiles.segment_shares(conn)
    codes = profiles.segment_codes(conn)
    population = profiles.population(conn)
    return Evaluation(
        suites=[
            validate(summary, "segment_shares", {"segment_codes": codes, "population": population}, docs)
        ],
        observed={
            "share_sum": round(float(summary["customer_share"].sum()), 9) if len(summary) else 0.0,
            "customers_sum": int(summary["customers"].sum()) if len(summary) else 0,
            "population": population,
            "segments": _rows(summary),
        },
        thresholds={"share_sum": "1 ± 1e-6", "customers_sum": "= population", "segments": codes},
    )


def tags_in_catalog(conn: duckdb.DuckDBPyConnection, docs: DataDocs | None = None) -> Evaluation:
    """Blocking: every tag of the snapshot is in the catalog, with the catalog's levels and value."""
    tags = profiles.customer_tags(conn)
    unknown = tags[~tags["matches_catalog"].astype(bool)] if len(tags) else tags
    return Evaluation(
        suites=[validate(tags, "customer_tags", {}, docs)],
        observed={
            "distinct_tags": len(tags),
            "tagged_rows": int(tags["customers"].sum()) if len(tags) else 0,
            "tags_not_matching_catalog": _rows(unknown),
        },
        thresholds={"tags_not_matching_catalog": 0},
    )


# ---------------------------------------------------------------------------------- drift warnings


def segment_share_drift(
    conn: duckdb.DuckDBPyConnection,
    snapshot: date,
    quality: Quality,
    run_id: str,
    docs: DataDocs | None = None,
) -> Evaluation:
    """Warning: a segment's share moved more than the configured points since the previous snapshot.

    Records this snapshot's shares as the baseline of the next one (needs a writable connection).
    """
    summary = profiles.segment_shares(conn)
    previous_date, previous = baselines.previous(conn, snapshot, "segment_share")
    drift = profiles.share_drift(summary, previous, previous_date)
    baselines.record(
        conn,
        snapshot,
        "segment_share",
        {row.segment: float(row.customer_share) for row in summary.itertuples()},
        run_id,
    )
    maximum = float(drift["moved_points"].max()) if len(drift) else None
    return Evaluation(
        suites=[
            validate(
                drift, "segment_share_drift", {"max_points": quality.max_segment_share_change_points}, docs
            )
        ],
        observed={
            "previous_snapshot": previous_date.isoformat() if previous_date else None,
            "max_moved_points": maximum,
            "segments": _rows(drift),
        },
        thresholds={"max_segment_share_change_points": quality.max_segment_share_change_points},
        note=None if previous_date else "no previous snapshot to compare with",
    )


def mean_monetary_shift(
    conn: duckdb.DuckDBPyConnection,
    snapshot: date,
    quality: Quality,
    run_id: str,
    docs: DataDocs | None = None,
) -> Evaluation:
    """Warning: the mean monetary changed more than the configured fraction since the previous
    snapshot. Records this snapshot's mean as the next one's baseline (writable connection)."""
    current = profiles.mean_monetary(conn)
    previous_date, previous = baselines.previous(conn, snapshot, "mean_monetary")
    shift = profiles.monetary_shift(current, previous.get("all"), previous_date)
    baselines.record(conn, snapshot, "mean_monetary", {"all": current}, run_id)
    bound = quality.max_mean_monetary_change
    return Evaluation(
        suites=[validate(shift, "monetary_shift", {"max_change": bound, "min_change": -bound}, docs)],
        observed=_row(shift),
        thresholds={"max_mean_monetary_change": bound},
        note=None if previous_date else "no previous snapshot to compare with",
    )
