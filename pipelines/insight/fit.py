"""Choosing k and fitting k-means on standardised features: pure functions over numpy arrays.

Deterministic for the same data: a fixed `random_state` and `n_init`, one thread (so sums are
always added in the same order), silhouettes on the first rows of the (hash-ordered) sample rather
than a random subsample, and clusters numbered by their centroid (1 = highest monetary).

Small populations: k never exceeds the number of distinct points of the sample (k-means cannot
place more distinct centroids). A fixed or ranged k above it is reduced to it (`chosen_by`
`reduced`); with fewer than 2 distinct points (e.g. no customer has any activity) there are no
clusters (k = None, `chosen_by` `too_few_distinct_points`) and customers get no cluster_id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

RANDOM_STATE = 0
N_INIT = 10


@dataclass(frozen=True)
class Fit:
    """The chosen k-means fit (centres in standardised units, rows = cluster_id 1..k) and its measures."""

    k: int | None
    chosen_by: str
    centres: np.ndarray
    silhouette: float | None
    silhouette_by_k: dict[int, float | None] = field(default_factory=dict)
    distinct_points: int = 0


def candidate_ks(fixed_k: int | None, k_range: tuple[int, int], distinct: int) -> tuple[list[int], str]:
    """The k to try and why: `config` (fixed k), `silhouette` (best of k_range), `reduced` (fewer
    distinct points than asked for) or `too_few_distinct_points` (no clusters)."""
    if distinct < 2:
        return [], "too_few_distinct_points"
    if fixed_k is not None:
        return ([fixed_k], "config") if fixed_k <= distinct else ([distinct], "reduced")
    ks = [k for k in range(k_range[0], k_range[1] + 1) if k <= distinct]
    return (ks, "silhouette") if ks else ([distinct], "reduced")


def silhouette(points: np.ndarray, labels: np.ndarray) -> float | None:
    """Mean silhouette, or None where it is undefined (fewer than 2 or as many labels as points)."""
    n_labels = len(np.unique(labels))
    if n_labels < 2 or n_labels > len(points) - 1:
        return None
    return float(silhouette_score(points, labels, metric="euclidean"))


def _ordered(centres: np.ndarray) -> np.ndarray:
    """Centres sorted by monetary, then frequency (descending), then recency (ascending)."""
    # Features are (recency_days, frequency, monetary, extras...): lexsort's last key sorts first.
    order = np.lexsort((centres[:, 0], -centres[:, 1], -centres[:, 2]))
    return centres[order]


def nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for each point (ties: the lower index), as the SQL assigns."""
    distances = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return distances.argmin(axis=1)


def fit_clusters(
    points: np.ndarray, fixed_k: int | None, k_range: tuple[int, int], silhouette_size: int
) -> Fit:
    """Fit k-means for every candidate k and keep the best silhouette (ties: the smaller k)."""
    distinct = len(np.unique(points, axis=0)) if len(points) else 0
    ks, chosen_by = candidate_ks(fixed_k, k_range, distinct)
    if not ks:
        return Fit(None, chosen_by, np.empty((0, points.shape[1])), None, {}, distinct)
    scored = points[:silhouette_size]
    fits: dict[int, tuple[np.ndarray, float | None]] = {}
    with threadpool_limits(limits=1):
        for k in ks:
            model = KMeans(n_clusters=k, n_init=N_INIT, random_state=RANDOM_STATE).fit(points)
            centres = _ordered(model.cluster_centers_)
            fits[k] = (centres, silhouette(scored, nearest(scored, centres)))
    best = max(ks, key=lambda k: (fits[k][1] if fits[k][1] is not None else -np.inf, -k))
    centres, score = fits[best]
    return Fit(best, chosen_by, centres, score, {k: s for k, (_, s) in fits.items()}, distinct)
