"""The tables of schema `insight` the history dbt step reads as sources (`source('insight', ...)`)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import duckdb

from pipelines.insight.features import Sample, Transform
from pipelines.insight.fit import Fit

DDL = """
create schema if not exists insight;
create table if not exists insight.cluster_centroids (
    snapshot_date date not null,
    cluster_id integer not null,
    feature varchar not null,
    feature_order integer not null,
    centre double not null,
    feature_mean double not null,
    feature_std double not null
);
create table if not exists insight.cluster_fit (
    snapshot_date date not null,
    k integer,
    chosen_by varchar not null,
    k_min integer not null,
    k_max integer not null,
    silhouette double,
    segment_silhouette double,
    silhouette_by_k varchar not null,
    population integer not null,
    fit_customers integer not null,
    silhouette_customers integer not null,
    distinct_points integer not null,
    features varchar not null
);
"""


def centroid_rows(snapshot: date, sample: Sample, transform: Transform, fit: Fit) -> list[tuple]:
    """One row per cluster and feature: the centre (standardised) and the feature's mean and std."""
    return [
        (snapshot, cluster + 1, feature, j + 1, float(fit.centres[cluster, j]),
         float(transform.mean[j]), float(transform.std[j]))
        for cluster in range(len(fit.centres))
        for j, feature in enumerate(sample.features)
    ]  # fmt: skip


def fit_row(
    snapshot: date,
    sample: Sample,
    fit: Fit,
    k_range: tuple[int, int],
    segment_silhouette: float | None,
    silhouette_customers: int,
) -> dict[str, Any]:
    """The snapshot's row of insight.cluster_fit, by column."""
    return {
        "snapshot_date": snapshot,
        "k": fit.k,
        "chosen_by": fit.chosen_by,
        "k_min": k_range[0],
        "k_max": k_range[1],
        "silhouette": fit.silhouette,
        "segment_silhouette": segment_silhouette,
        "silhouette_by_k": json.dumps({str(k): s for k, s in sorted(fit.silhouette_by_k.items())}),
        "population": sample.population,
        "fit_customers": len(sample.raw),
        "silhouette_customers": silhouette_customers,
        "distinct_points": fit.distinct_points,
        "features": ",".join(sample.features),
    }


def write_fit(
    conn: duckdb.DuckDBPyConnection, snapshot: date, centroids: list[tuple], fit: dict[str, Any]
) -> None:
    """Replace the snapshot's rows of both tables in one transaction."""
    conn.execute(DDL)
    conn.execute("begin transaction")
    try:
        for table in ("cluster_centroids", "cluster_fit"):
            conn.execute(f"delete from insight.{table} where snapshot_date = ?", [snapshot])
        if centroids:
            conn.executemany("insert into insight.cluster_centroids values (?, ?, ?, ?, ?, ?, ?)", centroids)
        columns = ", ".join(fit)
        marks = ", ".join("?" * len(fit))
        conn.execute(f"insert into insight.cluster_fit ({columns}) values ({marks})", list(fit.values()))
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
