"""`insight/cluster_centroids` and `insight/cluster_fit`: k-means fitted per quarter on a sample.

Fetch (a bounded, hash-ordered sample of dim_customers) -> transform and fit (pure functions of
features.py and fit.py) -> write (store.py, one transaction) -> metadata. dbt reads both tables as
sources of the history step (`customer_clusters`, `cluster_profiles`, `segment_validation`), which
puts this asset between the marts and `dbt_history` in the asset graph.
"""

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import dagster as dg
import duckdb

from pipelines.config import load_config
from pipelines.config.model import Clusters
from pipelines.insight.features import fit_transform, read_sample
from pipelines.insight.fit import Fit, fit_clusters, silhouette
from pipelines.insight.store import centroid_rows, fit_row, write_fit
from pipelines.partitions import QUARTERLY, partition_quarter, tag_run
from pipelines.resources import Warehouse
from pipelines.transform.dbt import model_key

CENTROIDS = dg.AssetKey(["insight", "cluster_centroids"])
FIT = dg.AssetKey(["insight", "cluster_fit"])


def build_clusters(
    conn: duckdb.DuckDBPyConnection, snapshot: date, settings: Clusters
) -> tuple[Fit, dict[str, Any], int]:
    """Fit the snapshot's k-means on the sample of dim_customers and replace its insight rows;
    returns the fit, the row of insight.cluster_fit and the number of centroid rows."""
    sample = read_sample(conn, settings.features, settings.fit_sample_size)
    transform = fit_transform(sample.raw)
    points = transform.apply(sample.raw)
    fit = fit_clusters(points, settings.k, settings.k_range, settings.silhouette_sample_size)
    scored = min(settings.silhouette_sample_size, len(points))
    segment_silhouette = silhouette(points[:scored], sample.segments[:scored])
    row = fit_row(snapshot, sample, fit, settings.k_range, segment_silhouette, scored)
    centroids = centroid_rows(snapshot, sample, transform, fit)
    write_fit(conn, snapshot, centroids, row)
    return fit, row, len(centroids)


_DIM_CUSTOMERS = model_key("dim_customers")


# Subsettable: Dagster 1.13's UI "Materialize all" backfills fail on a multi-asset downstream of
# partitioned assets that cannot be subset. Both tables come from one fit, so a subset still writes
# both and reports the selected ones.
@dg.multi_asset(
    can_subset=True,
    specs=[
        dg.AssetSpec(
            key=CENTROIDS,
            deps=[_DIM_CUSTOMERS],
            description="k-means centroids of the quarter (standardised units) and the features' transform.",
            group_name="insight",
            kinds={"duckdb", "scikitlearn"},
        ),
        dg.AssetSpec(
            key=FIT,
            deps=[_DIM_CUSTOMERS],
            description="How the quarter's k was chosen: silhouettes of k-means and of the rule segments.",
            group_name="insight",
            kinds={"duckdb", "scikitlearn"},
        ),
    ],
    **QUARTERLY,
    pool="duckdb",
)
def cluster_centroids(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> Iterator[dg.MaterializeResult]:
    """Fit k-means on a sample of the quarter's customers, for dbt to assign every customer in SQL."""
    tag_run(context)
    snapshot = partition_quarter(context).as_of
    settings = load_config().clusters
    started = time.monotonic()
    with warehouse.connect() as conn:
        fit, row, centroid_count = build_clusters(conn, snapshot, settings)
    seconds = round(time.monotonic() - started, 2)
    population, fit_customers = row["population"], row["fit_customers"]
    if fit.k is None:
        context.log.warning(
            f"No clusters for {snapshot}: {fit.distinct_points} distinct customers in the sample of "
            f"{fit_customers}; customer_clusters stays empty for this snapshot"
        )
    elif fit.chosen_by == "reduced":
        context.log.warning(
            f"k reduced to {fit.k} for {snapshot}: only {fit.distinct_points} distinct customers"
        )
    context.log.info(
        f"k-means for {snapshot}: k={fit.k} ({fit.chosen_by}), silhouette {fit.silhouette}, "
        f"fitted on {fit_customers:,} of {population:,} customers in {seconds} s"
    )
    keys = ("k", "chosen_by", "silhouette", "segment_silhouette", "silhouette_by_k", "fit_customers")
    metadata = {
        "snapshot_date": snapshot.isoformat(),
        **{key: row[key] for key in (*keys, "silhouette_customers", "population")},
        "seconds": seconds,
    }
    results = {
        CENTROIDS: {**metadata, "dagster/row_count": centroid_count},
        FIT: {**metadata, "dagster/row_count": 1},
    }
    for key in context.selected_asset_keys:
        yield dg.MaterializeResult(asset_key=key, metadata=results[key])


defs = dg.Definitions(assets=dg.with_source_code_references([cluster_centroids]))
