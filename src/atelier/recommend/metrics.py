"""Offline ranking metrics on full rankings (no sampled negatives), and a train/test split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp

from atelier.recommend.events import positive_part
from atelier.recommend.models.base import IdArray, ScoreArray, UserIds, as_csr


class Ranker(Protocol):
    """The part of `Recommender` that evaluation needs, so any ranker can be measured."""

    def recommend(
        self,
        userid: UserIds,
        user_items: Any,
        N: int = 10,
        filter_already_liked_items: bool = True,
        filter_items: Any = None,
        recalculate_user: bool = False,
    ) -> tuple[IdArray, ScoreArray]: ...


@dataclass(frozen=True)
class RankingMetrics:
    """Means over test users with at least one relevant (positive) held-out item."""

    precision: float
    recall: float
    ndcg: float
    hit_rate: float
    users: int
    k: int


def train_test_split(
    user_items: Any, test_fraction: float = 0.2, *, seed: int = 0
) -> tuple[Any, Any]:
    """Hold out a random `test_fraction` of each user's positive entries (seeded).

    Negative entries always stay in train: they are not something to predict. A user's last
    positive entry is never held out, so every test user still has history to recommend from.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError("test_fraction must be in (0, 1)")
    matrix = as_csr(user_items)
    coo = matrix.tocoo()
    rng = np.random.default_rng(seed)
    draw = rng.random(coo.nnz) < test_fraction
    test_mask = draw & (coo.data > 0)
    # Keep at least one positive in train per user: return the strongest-drawn one if all left.
    positive_train = np.bincount(coo.row[(coo.data > 0) & ~test_mask], minlength=matrix.shape[0])
    starved = np.flatnonzero(positive_train == 0)
    if starved.size:
        candidates = np.flatnonzero(test_mask & np.isin(coo.row, starved))
        first = np.unique(coo.row[candidates], return_index=True)[1]
        test_mask[candidates[first]] = False
    train = sp.csr_matrix(
        (coo.data[~test_mask], (coo.row[~test_mask], coo.col[~test_mask])), shape=matrix.shape
    )
    test = sp.csr_matrix(
        (coo.data[test_mask], (coo.row[test_mask], coo.col[test_mask])), shape=matrix.shape
    )
    return train, test


def ranking_metrics_at_k(
    model: Ranker,
    train_user_items: Any,
    test_user_items: Any,
    K: int = 10,
    *,
    batch_size: int = 512,
) -> RankingMetrics:
    """Precision, recall, NDCG and hit rate at K over every item, train items filtered out.

    precision = hits / K; recall = hits / |relevant|; NDCG uses binary gains with the ideal
    ranking of min(K, |relevant|) hits; hit rate = share of users with at least one hit.
    """
    if K < 1:
        raise ValueError("K must be at least 1")
    train = as_csr(train_user_items)
    test = as_csr(test_user_items)
    if train.shape != test.shape:
        raise ValueError("train and test must have the same shape")
    relevant = positive_part(test)
    users = np.flatnonzero(np.diff(relevant.indptr) > 0)
    if users.size == 0:
        return RankingMetrics(0.0, 0.0, 0.0, 0.0, 0, K)

    discounts = 1.0 / np.log2(np.arange(K) + 2.0)
    ideal = np.cumsum(discounts)
    sums = np.zeros(4)
    for start in range(0, users.size, batch_size):
        batch = users[start : start + batch_size]
        ids, _ = model.recommend(batch, train[batch], N=K, filter_already_liked_items=True)
        ids = np.asarray(ids).reshape(batch.size, K)
        truth = relevant[batch]
        for user_ids, lo, hi in zip(ids, truth.indptr[:-1], truth.indptr[1:], strict=True):
            rel = truth.indices[lo:hi]
            hits = np.isin(user_ids, rel) & (user_ids >= 0)
            n_hits = int(hits.sum())
            sums[0] += n_hits / K
            sums[1] += n_hits / rel.size
            sums[2] += float(discounts[hits].sum()) / float(ideal[min(K, rel.size) - 1])
            sums[3] += float(n_hits > 0)
    mean = sums / users.size
    return RankingMetrics(
        precision=float(mean[0]),
        recall=float(mean[1]),
        ndcg=float(mean[2]),
        hit_rate=float(mean[3]),
        users=int(users.size),
        k=K,
    )


def precision_at_k(model: Ranker, train: Any, test: Any, K: int = 10) -> float:
    """Mean hits / K over test users."""
    return ranking_metrics_at_k(model, train, test, K).precision


def recall_at_k(model: Ranker, train: Any, test: Any, K: int = 10) -> float:
    """Mean hits / |held-out relevant items| over test users."""
    return ranking_metrics_at_k(model, train, test, K).recall


def ndcg_at_k(model: Ranker, train: Any, test: Any, K: int = 10) -> float:
    """Mean binary-gain NDCG at K over test users."""
    return ranking_metrics_at_k(model, train, test, K).ndcg


def hit_rate_at_k(model: Ranker, train: Any, test: Any, K: int = 10) -> float:
    """Share of test users with at least one held-out item in their top K."""
    return ranking_metrics_at_k(model, train, test, K).hit_rate
