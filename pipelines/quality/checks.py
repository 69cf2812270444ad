"""The Great Expectations checks, evaluated in the step of the asset they judge.

GX keeps what dbt tests cannot express well; every row-level rule of the models is a dbt test.

| asset                                | blocking                            | warning                    |
|--------------------------------------|-------------------------------------|----------------------------|
| crm/customers, shop/orders,          | row_accounting, raw_schema_and_keys | load_volume_and_quarantine |
|   helpdesk/tickets (extract step)    |                                     |                            |
| published/segments (publish step,    |                                     | segment_share_drift,       |
|   reading history before publishing) |                                     | mean_monetary_shift        |

A check's spec belongs to its asset (`check_specs`), so Dagster stores each result for the quarter
it judged, runs nothing downstream of a failed blocking check, and offers no separate "Execute"
that would run without a quarter. Each check is a plain function of a connection returning an
`Evaluation`, which the tests call on crafted warehouses.
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
from pipelines.partitions import quarterly_partitions
from pipelines.quality import frames
from pipelines.quality.gx import SuiteResult, plain, validate

# Frames longer than this are cut short in the check metadata.
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
        return [f"{s.suite}: {f}" if prefix else f for s in self.suites for f in s.failed_expectations]

    def summary(self) -> str:
        """One line: what failed with the observed values, or how many expectations held."""
        if self.passed:
            total = sum(len(s.outcomes) for s in self.suites)
            return f"all {total} expectations met" + (f" ({self.note})" if self.note else "")
        return "; ".join(self.failed_expectations)

    def to_check_result(self, asset: dg.AssetKey, name: str, warning: bool) -> dg.AssetCheckResult:
        # Numbers observed and their bounds are top-level metadata, so Dagster plots them per quarter.
        numbers = {
            key: value
            for key, value in {
                **plain(dict(self.observed)),
                **{f"threshold_{k}": v for k, v in plain(dict(self.thresholds)).items()},
            }.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        }
        metadata: dict[str, Any] = {
            **numbers,
            "observed": dg.MetadataValue.json(plain(dict(self.observed))),
            "failed_expectations": dg.MetadataValue.json(self.failed_expectations),
            "gx_suites": ", ".join(f"expectations/{s.suite}.json" for s in self.suites),
        }
        if self.note:
            metadata["note"] = self.note
        return dg.AssetCheckResult(
            asset_key=asset,
            check_name=name,
            passed=self.passed,
            severity=dg.AssetCheckSeverity.WARN if warning else dg.AssetCheckSeverity.ERROR,
            description=self.summary(),
            metadata=metadata,
        )


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as JSON-friendly dicts (capped at METADATA_ROWS)."""
    return json.loads(frame.head(METADATA_ROWS).to_json(orient="records", date_format="iso"))


def _row(frame: pd.DataFrame) -> dict[str, Any]:
    """The single row of a profile frame (empty dict for an empty frame)."""
    rows = _rows(frame)
    return rows[0] if rows else {}


def spec(asset: dg.AssetKey, name: str, description: str, blocking: bool) -> dg.AssetCheckSpec:
    """A check of `asset`, partitioned like it: its results belong to the quarter they judged."""
    return dg.AssetCheckSpec(
        name=name,
        asset=asset,
        description=description,
        blocking=blocking,
        partitions_def=quarterly_partitions,
    )


# ---------------------------------------------------------------------------------- raw sources


def raw_check_specs(source: SourceSpec) -> list[dg.AssetCheckSpec]:
    asset = dg.AssetKey(source.asset_key)
    not_empty = "" if source.may_be_empty else " and are not empty"
    return [
        spec(
            asset,
            "raw_schema_and_keys",
            f"{source.schema}.{source.table} has every contract column with its type, and its latest "
            f"versions carry a unique, non-null {source.key}{not_empty} (GX raw_schema, raw_keys).",
            blocking=True,
        ),
        spec(
            asset,
            "load_volume_and_quarantine",
            f"Warning: {source.name} is not empty, and the share of its rows sent to quarantine and the "
            "rows read versus the previous load stay within config quality.max_quarantine_rate / "
            "max_volume_change (GX raw_load).",
            blocking=False,
        ),
    ]


def raw_schema_and_keys(conn: duckdb.DuckDBPyConnection, source: SourceSpec) -> Evaluation:
    """Blocking: the raw table has the contract's columns and types; latest keys unique, not null."""
    schema = frames.raw_schema(conn, source)
    keys = frames.raw_keys(conn, source)
    expected = frames.expected_columns(conn, source)
    missing = sorted(set(expected) - set(schema["column_spec"]))
    # An empty orders or tickets source is legitimate (load_volume_and_quarantine warns); an empty CRM
    # leaves nobody to segment.
    min_rows = 0 if source.may_be_empty else 1
    return Evaluation(
        suites=[
            validate(schema, "raw_schema", {"expected_columns": expected}),
            validate(keys, "raw_keys", {"min_rows": min_rows}),
        ],
        observed={**_row(keys), "columns": len(schema), "missing_columns": missing},
        thresholds={"null_keys": 0, "duplicate_keys": 0, "min_latest_rows": min_rows},
    )


def load_volume_and_quarantine(
    conn: duckdb.DuckDBPyConnection, source: SourceSpec, quality: Quality
) -> Evaluation:
    """Warning: the source is empty, or its quarantine share or volume versus its previous load moved."""
    load = frames.raw_load(conn, source)
    parameters = {
        "max_quarantine_rate": quality.max_quarantine_rate,
        "max_volume_change": quality.max_volume_change,
        "min_volume_change": -quality.max_volume_change,
    }
    return Evaluation(
        suites=[validate(load, "raw_load", parameters)],
        observed=_row(load) or {"loads": 0},
        thresholds={
            "min_rows_read": 1,
            "max_quarantine_rate": quality.max_quarantine_rate,
            "max_volume_change": quality.max_volume_change,
        },
        note=None if len(load) and load["previous_rows_read"].notna().all() else "no previous load",
    )


# ---------------------------------------------------------------------------------- drift warnings


def drift_check_specs(asset: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        spec(
            asset,
            "segment_share_drift",
            "Warning: a segment's share of customers moved more than config "
            "quality.max_segment_share_change_points since the previous snapshot in history "
            "(GX segment_share_drift).",
            blocking=False,
        ),
        spec(
            asset,
            "mean_monetary_shift",
            "Warning: the mean monetary moved by more than config quality.max_mean_monetary_change since "
            "the previous snapshot in history (GX monetary_shift).",
            blocking=False,
        ),
    ]


def segment_share_drift(conn: duckdb.DuckDBPyConnection, snapshot: date, quality: Quality) -> Evaluation:
    """Warning: a segment's share moved more than the configured points since the previous snapshot."""
    drift = frames.segment_share_drift(conn, snapshot)
    bound = quality.max_segment_share_change_points
    previous = drift["previous_snapshot"].iloc[0] if len(drift) else None
    return Evaluation(
        suites=[validate(drift, "segment_share_drift", {"max_points": bound})],
        observed={
            "previous_snapshot": previous,
            "max_moved_points": float(drift["moved_points"].max()) if len(drift) else None,
            "segments": _rows(drift),
        },
        thresholds={"max_segment_share_change_points": bound},
        note=None if previous else "no previous snapshot to compare with",
    )


def mean_monetary_shift(conn: duckdb.DuckDBPyConnection, snapshot: date, quality: Quality) -> Evaluation:
    """Warning: the mean monetary changed more than the configured fraction since the previous one."""
    shift = frames.mean_monetary_shift(conn, snapshot)
    bound = quality.max_mean_monetary_change
    observed = _row(shift)
    return Evaluation(
        suites=[validate(shift, "monetary_shift", {"max_change": bound, "min_change": -bound})],
        observed=observed,
        thresholds={"max_mean_monetary_change": bound},
        note=None if observed.get("previous_snapshot") else "no previous snapshot to compare with",
    )
