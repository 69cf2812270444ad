"""The k-means view (pipelines/insight + the history models customer_clusters, cluster_profiles,
cluster_segment_crosstab) against independent numpy/sklearn/pandas computations over what the
warehouse holds: one pipeline run for the module (marts, the Dagster asset, the history build) on
the hand-written + generated raw fixture, with a fit sample smaller than the population so that
customers outside the sample are assigned too."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from pipelines.config import ConfigError, load_config
from pipelines.config.model import Clusters
from pipelines.insight.assets import build_clusters, cluster_centroids
from pipelines.resources import Warehouse
from pipelines.settings import DEFAULT_CONFIG_PATH
from tests.helpers import dbt_in_process
from tests.transform.conftest import prepare_warehouse
from tests.transform.raw_fixture import build_raw_warehouse

SNAPSHOT = date(2025, 12, 31)
PARTITION = "2025-10-01"
FIT_SAMPLE, SILHOUETTE_SAMPLE = 50, 40
FEATURES = ["recency_days", "frequency", "monetary"]


def frame(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.sql(sql).df()


def dbt(command: str, warehouse: Path) -> None:
    succeeded, output = dbt_in_process(command.split(), warehouse, SNAPSHOT)
    assert succeeded, f"dbt {command} failed:\n{output[-6000:]}"


def write_config(path: Path, **clusters: object) -> Path:
    config = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    config["clusters"].update(clusters)
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Run:
    warehouse: Path
    marts: Path  # a copy taken before the k-means step: marts only, empty insight tables
    workdir: Path
    metadata: dict[str, object]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    root = tmp_path_factory.mktemp("clusters")
    raw = build_raw_warehouse(root / "raw.duckdb")
    config_path = write_config(
        root / "segments.yml", fit_sample_size=FIT_SAMPLE, silhouette_sample_size=SILHOUETTE_SAMPLE
    )
    data_dir = root / "data"
    warehouse = prepare_warehouse(raw, data_dir / "warehouse.duckdb", load_config(config_path))
    dbt("run --exclude path:models/history", warehouse)
    marts = root / "before_kmeans.duckdb"
    shutil.copyfile(warehouse, marts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEGMENTS_CONFIG", str(config_path))
        result = dg.materialize(
            [cluster_centroids],
            resources={"warehouse": Warehouse(data_dir=str(data_dir))},
            partition_key=PARTITION,
        )
    materialization = result.asset_materializations_for_node("cluster_centroids")[0]
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    dbt("build --select path:models/history", warehouse)
    yield Run(warehouse, marts, root, metadata)


@pytest.fixture(scope="module")
def customers(run: Run) -> pd.DataFrame:
    return frame(run.warehouse, "select * from marts.dim_customers")


def standardise(raw: pd.DataFrame, means: np.ndarray, stds: np.ndarray) -> np.ndarray:
    logged = np.sign(raw.to_numpy(float)) * np.log1p(np.abs(raw.to_numpy(float)))
    z = (logged - means) / np.where(stds > 0, stds, np.nan)
    return np.nan_to_num(z, nan=0.0)


def raw_features(customers: pd.DataFrame) -> pd.DataFrame:
    out = customers[FEATURES].astype(float).copy()
    out["recency_days"] = customers.recency_days.fillna(customers.tenure_days).astype(float)
    return out


def test_the_asset_reports_k_silhouettes_and_sample_sizes(run: Run, customers: pd.DataFrame) -> None:
    meta = run.metadata
    assert meta["fit_customers"] == FIT_SAMPLE < len(customers) == meta["population"]
    assert meta["silhouette_customers"] == SILHOUETTE_SAMPLE
    assert 3 <= meta["k"] <= 5 and meta["chosen_by"] == "silhouette"
    assert -1 <= meta["silhouette"] <= 1 and -1 <= meta["segment_silhouette"] <= 1
    assert set(json.loads(meta["silhouette_by_k"])) == {"3", "4", "5"}
    print(f"\ncluster_centroids: {meta['seconds']} s for {meta['population']} customers")


def test_every_customer_is_assigned_to_the_nearest_stored_centroid(run: Run, customers: pd.DataFrame) -> None:
    centroids = frame(
        run.warehouse, "select * from insight.cluster_centroids order by cluster_id, feature_order"
    )
    assert list(centroids.feature.unique()) == FEATURES
    centres = centroids.pivot(index="cluster_id", columns="feature", values="centre")[FEATURES]
    means = centroids.groupby("feature").feature_mean.first()[FEATURES].to_numpy()
    stds = centroids.groupby("feature").feature_std.first()[FEATURES].to_numpy()
    points = standardise(raw_features(customers), means, stds)
    distances = ((points[:, None, :] - centres.to_numpy()[None, :, :]) ** 2).sum(axis=2)
    expected = pd.Series(centres.index.to_numpy()[distances.argmin(axis=1)], index=customers.customer_id)
    assigned = frame(
        run.warehouse, "select customer_id, cluster_id, distance_to_centroid from history.customer_clusters"
    )
    assigned = assigned.set_index("customer_id")
    assert sorted(assigned.index) == sorted(customers.customer_id), "every customer exactly once"
    assert (assigned.cluster_id.reindex(expected.index) == expected).all()
    assert assigned.distance_to_centroid.reindex(expected.index).to_numpy() == pytest.approx(
        np.sqrt(distances.min(axis=1)), rel=1e-9, abs=1e-12
    )
    in_history = frame(
        run.warehouse,
        f"select customer_id, cluster_id from history.segment_history where snapshot_date = '{SNAPSHOT}'",
    )
    assert (in_history.set_index("customer_id").cluster_id.reindex(expected.index) == expected).all()
    latest = frame(run.warehouse, "select customer_id, cluster_id from history.customer_segments")
    assert (latest.set_index("customer_id").cluster_id.reindex(expected.index) == expected).all()


def hash_ordered_sample(customers: pd.DataFrame, size: int) -> pd.DataFrame:
    """The fit sample, recomputed with hashlib: first `size` customers by md5(customer_id)."""
    keys = customers.customer_id.map(lambda c: hashlib.md5(c.encode()).hexdigest())
    return customers.assign(_key=keys).sort_values(["_key", "customer_id"]).head(size)


def test_k_is_the_silhouette_argmax_recomputed_with_sklearn(run: Run, customers: pd.DataFrame) -> None:
    sample = hash_ordered_sample(customers, FIT_SAMPLE)
    logged = np.log1p(raw_features(sample).to_numpy(float))
    points = (logged - logged.mean(axis=0)) / logged.std(axis=0)
    stored = frame(run.warehouse, "select * from insight.cluster_centroids")
    assert stored.groupby("feature").feature_mean.first()[FEATURES].to_numpy() == pytest.approx(
        logged.mean(axis=0)
    )
    assert stored.groupby("feature").feature_std.first()[FEATURES].to_numpy() == pytest.approx(
        logged.std(axis=0)
    )
    scores = {}
    for k in (3, 4, 5):
        labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(points)
        scores[k] = silhouette_score(points[:SILHOUETTE_SAMPLE], labels[:SILHOUETTE_SAMPLE])
    fit = frame(run.warehouse, "select * from insight.cluster_fit").iloc[0]
    assert fit.k == max(scores, key=lambda k: (scores[k], -k))
    assert fit.silhouette == pytest.approx(scores[fit.k], rel=1e-9)
    assert {int(k): v for k, v in json.loads(fit.silhouette_by_k).items()} == pytest.approx(scores, rel=1e-9)
    segment_score = silhouette_score(
        points[:SILHOUETTE_SAMPLE], sample.segment.to_numpy()[:SILHOUETTE_SAMPLE]
    )
    assert fit.segment_silhouette == pytest.approx(segment_score, rel=1e-9)
    validation = frame(
        run.warehouse,
        f"select measure, value, customers from history.segment_validation "
        f"where snapshot_date = '{SNAPSHOT}' and feature is null and measure like '%silhouette'",
    ).set_index("measure")
    assert validation.value["silhouette"] == pytest.approx(segment_score, rel=1e-9)
    assert validation.value["kmeans_silhouette"] == pytest.approx(scores[fit.k], rel=1e-9)
    assert (validation.customers == SILHOUETTE_SAMPLE).all()


def test_profiles_are_the_means_of_the_assigned_customers_with_names_from_them(
    run: Run, customers: pd.DataFrame
) -> None:
    assigned = frame(run.warehouse, "select customer_id, cluster_id from history.customer_clusters")
    members = (
        raw_features(customers).assign(customer_id=customers.customer_id).merge(assigned, on="customer_id")
    )
    expected = members.groupby("cluster_id")[FEATURES].mean()
    profiles = (
        frame(run.warehouse, "select * from history.cluster_profiles").set_index("cluster_id").sort_index()
    )
    assert list(profiles.index) == list(expected.index)
    for feature in FEATURES:
        assert profiles[feature].to_numpy() == pytest.approx(expected[feature].to_numpy(), rel=1e-9)
    assert (profiles.customers == members.groupby("cluster_id").size()).all()
    assert profiles.customer_share.sum() == pytest.approx(1.0)
    overall = members[FEATURES].mean()
    for cluster_id, row in profiles.iterrows():
        zh = (
            ("近期" if row.recency_days < overall.recency_days else "久未购买")
            + ("高频" if row.frequency > overall.frequency else "低频")
            + ("高消费" if row.monetary > overall.monetary else "低消费")
        )
        assert row.label_zh.startswith(zh), (cluster_id, row.label_zh)
        assert row.label_en.split(",")[0] in ("Recent", "Lapsed")
    assert profiles.label_zh.is_unique and profiles.label_en.is_unique


def test_crosstab_counts_equal_plain_sql_over_segment_history(run: Run) -> None:
    expected = frame(
        run.warehouse,
        f"select cluster_id, segment, count(*) as customers from history.segment_history "
        f"where snapshot_date = '{SNAPSHOT}' group by all",
    )
    actual = frame(run.warehouse, "select * from history.cluster_segment_crosstab")
    merged = expected.merge(actual, on=["cluster_id", "segment"], how="outer", suffixes=("", "_actual"))
    assert (merged.customers == merged.customers_actual).all(), merged
    assert actual.groupby("cluster_id").share_of_cluster.sum().to_numpy() == pytest.approx(1.0)
    assert actual.groupby("segment").share_of_segment.sum().to_numpy() == pytest.approx(1.0)


def test_a_second_run_on_the_same_data_gives_the_same_centroids_and_assignments(run: Run) -> None:
    before = frame(run.warehouse, "select * from insight.cluster_centroids order by all")
    assigned = frame(run.warehouse, "select * from history.customer_clusters order by all")
    again = run.workdir / "again.duckdb"
    shutil.copyfile(run.marts, again)
    settings = Clusters(fit_sample_size=FIT_SAMPLE, silhouette_sample_size=SILHOUETTE_SAMPLE)
    with duckdb.connect(str(again)) as conn:
        build_clusters(conn, SNAPSHOT, settings)
    pd.testing.assert_frame_equal(
        frame(again, "select * from insight.cluster_centroids order by all"), before
    )
    dbt("run --select customer_clusters", again)
    pd.testing.assert_frame_equal(
        frame(again, "select * from history.customer_clusters order by all"), assigned
    )


def test_a_fixed_k_in_the_config_is_honoured(run: Run) -> None:
    with duckdb.connect(str(run.marts)) as conn:
        fit, row, rows = build_clusters(
            conn,
            SNAPSHOT,
            Clusters(k=2, fit_sample_size=FIT_SAMPLE, silhouette_sample_size=SILHOUETTE_SAMPLE),
        )
    assert (fit.k, row["chosen_by"], rows) == (2, "config", 2 * len(FEATURES))
    assert json.loads(row["silhouette_by_k"]).keys() == {"2"}


# --- tiny populations and no activity: a dim_customers of our own --------------------------------


def tiny_warehouse(path: Path, rows: list[tuple]) -> Path:
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema marts")
        conn.execute(
            "create table marts.dim_customers (customer_id varchar, segment varchar, recency_days integer, "
            "tenure_days integer, frequency integer, monetary decimal(18, 2), avg_order_value decimal(18, 2))"
        )
        conn.executemany("insert into marts.dim_customers values (?, ?, ?, ?, ?, ?, ?)", rows)
    return path


def test_no_activity_at_all_gives_no_clusters(tmp_path: Path) -> None:
    # Every customer registered the same day, none ordered: one distinct point, nothing to cluster.
    rows = [(f"C{i}", "dormant", None, 100, 0, 0, None) for i in range(30)]
    with duckdb.connect(str(tiny_warehouse(tmp_path / "w.duckdb", rows))) as conn:
        fit, row, centroid_rows = build_clusters(conn, SNAPSHOT, Clusters())
        stored = conn.execute("select count(*) from insight.cluster_centroids").fetchone()[0]
    assert (fit.k, row["chosen_by"], centroid_rows, stored) == (None, "too_few_distinct_points", 0, 0)
    assert row["silhouette"] is None and row["segment_silhouette"] is None


def test_fewer_distinct_customers_than_k_reduce_k(tmp_path: Path) -> None:
    # Two kinds of customer only (and fewer customers than any sample): k drops to 2 with a reason.
    rows = [(f"A{i}", "loyal", 5, 400, 9, 900, 100) for i in range(5)]
    rows += [(f"B{i}", "dormant", None, 50, 0, 0, None) for i in range(4)]
    with duckdb.connect(str(tiny_warehouse(tmp_path / "w.duckdb", rows))) as conn:
        fit, row, _ = build_clusters(conn, SNAPSHOT, Clusters(k=4))
    assert (fit.k, row["chosen_by"], row["fit_customers"], row["population"]) == (2, "reduced", 9, 9)
    # Both groups are points: a perfect separation.
    assert row["silhouette"] == pytest.approx(1.0) and row["segment_silhouette"] == pytest.approx(1.0)


def test_fewer_customers_than_k_give_one_cluster_each_without_a_silhouette(tmp_path: Path) -> None:
    # Two customers, k_range 3..5: each is its own cluster; a silhouette needs more points than labels.
    rows = [("A", "loyal", 5, 400, 9, 900, 100), ("B", "dormant", None, 50, 0, 0, None)]
    with duckdb.connect(str(tiny_warehouse(tmp_path / "w.duckdb", rows))) as conn:
        fit, row, centroid_rows = build_clusters(conn, SNAPSHOT, Clusters())
    assert (fit.k, row["chosen_by"], centroid_rows) == (2, "reduced", 2 * len(FEATURES))
    assert row["silhouette"] is None and row["segment_silhouette"] is None


def test_extra_features_are_clustered_on_and_stored(tmp_path: Path) -> None:
    rows = [(f"C{i}", "s", i % 7, 30 + i, i % 5, 10 * i, 3 * i if i % 4 else None) for i in range(40)]
    settings = Clusters(features=["avg_order_value"], k_range=(3, 3))
    with duckdb.connect(str(tiny_warehouse(tmp_path / "w.duckdb", rows))) as conn:
        fit, _, centroid_rows = build_clusters(conn, SNAPSHOT, settings)
        features = conn.execute(
            "select distinct feature, feature_order from insight.cluster_centroids order by 2"
        ).fetchall()
    assert fit.k == 3 and centroid_rows == 3 * 4
    assert [f for f, _ in features] == [*FEATURES, "avg_order_value"]


# --- the config ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        # a typo in a key of the section
        ({"kk": 3}, ["clusters.kk", "Extra inputs"]),
        # k outside 2..10
        ({"k": 1}, ["clusters.k", "greater than or equal to 2"]),
        # a range upside down
        ({"k_range": [5, 3]}, ["clusters", "k_range"]),
        # a feature that is no column of dim_customers
        ({"features": ["lifetime_spnd"]}, ["clusters.features[0]", "lifetime_spnd", "not a column"]),
        # a text column
        ({"features": ["city"]}, ["clusters.features[0]", "numeric"]),
        # a base feature listed again
        ({"features": ["monetary"]}, ["clusters.features[0]", "always a feature"]),
    ],
)
def test_a_bad_clusters_section_fails_naming_the_key(
    tmp_path: Path, change: dict, fragments: list[str]
) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(write_config(tmp_path / "segments.yml", **change))
    problems = str(error.value).splitlines()  # one line per problem, each naming the file and key
    assert len(problems) == 1, problems
    for fragment in fragments:
        assert fragment in problems[0]


def test_the_shipped_config_chooses_k_by_silhouette_in_3_to_5() -> None:
    clusters = load_config(DEFAULT_CONFIG_PATH).clusters
    assert (clusters.k, clusters.k_range, clusters.features) == (None, (3, 5), [])
