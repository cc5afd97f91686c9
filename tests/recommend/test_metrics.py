"""Tests for offline ranking metrics (hand-computed values) and the train/test split."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.typing import NDArray

from atelier.recommend.metrics import (
    hit_rate_at_k,
    ndcg_at_k,
    precision_at_k,
    ranking_metrics_at_k,
    recall_at_k,
    train_test_split,
)
from atelier.recommend.models import make_model
from atelier.recommend.models.base import top_n

from .conftest import Blocks


class FixedRanking:
    """A stand-in model that ranks items in a fixed order per user."""

    def __init__(self, rankings: dict[int, list[int]], n_items: int) -> None:
        self.rankings = rankings
        self.n_items = n_items

    def recommend(
        self,
        userid: Any,
        user_items: Any,
        N: int = 10,
        filter_already_liked_items: bool = True,
        filter_items: Any = None,
        recalculate_user: bool = False,
    ) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
        scores = np.zeros((len(userid), self.n_items), np.float32)
        for row, user in enumerate(userid):
            for rank, item in enumerate(self.rankings[int(user)]):
                scores[row, item] = self.n_items - rank
        exclude = user_items if filter_already_liked_items else None
        return top_n(scores, N, exclude, filter_items)


def hand_case() -> tuple[FixedRanking, Any, Any]:
    # User 0 holds out {1, 3} and is shown [1, 2, 3]; user 1 holds out {5}, shown [0, 2, 4];
    # user 2 has nothing held out and does not count.
    model = FixedRanking({0: [1, 2, 3, 4], 1: [0, 2, 4, 5], 2: [0, 1, 2]}, n_items=6)
    train = sp.csr_matrix(([1.0, 1.0], ([0, 2], [0, 3])), shape=(3, 6))
    test = sp.csr_matrix(([1.0, 1.0, 1.0], ([0, 0, 1], [1, 3, 5])), shape=(3, 6))
    return model, train, test


def test_metrics_match_hand_computed_values() -> None:
    model, train, test = hand_case()
    ndcg_user0 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert precision_at_k(model, train, test, K=3) == pytest.approx((2 / 3 + 0) / 2)
    assert recall_at_k(model, train, test, K=3) == pytest.approx((1 + 0) / 2)
    assert ndcg_at_k(model, train, test, K=3) == pytest.approx(ndcg_user0 / 2)
    assert hit_rate_at_k(model, train, test, K=3) == pytest.approx(0.5)
    assert ranking_metrics_at_k(model, train, test, K=3).users == 2


def test_train_items_are_filtered_before_scoring() -> None:
    model, _, test = hand_case()
    # Item 2 moves to train for user 1, so the ranking skips it and reaches item 5 at K=3.
    train = sp.csr_matrix(([1.0], ([1], [2])), shape=(3, 6))
    assert ranking_metrics_at_k(model, train, test, K=3).hit_rate == pytest.approx(1.0)


def test_no_test_users_gives_zeros() -> None:
    model, train, _ = hand_case()
    result = ranking_metrics_at_k(model, train, sp.csr_matrix((3, 6)), K=3)
    assert result.users == 0 and result.ndcg == 0.0


def test_split_is_a_seeded_partition_that_keeps_negatives_in_train(blocks: Blocks) -> None:
    dislikes = sp.csr_matrix((-np.ones(3), ([0, 1, 2], [15, 16, 17])), shape=(60, 20))
    matrix = (blocks.user_items + dislikes).tocsr()
    train, test = train_test_split(matrix, 0.3, seed=1)
    np.testing.assert_allclose((train + test).toarray(), matrix.toarray())
    assert train.multiply(test).nnz == 0
    assert (test.data > 0).all()
    assert (np.diff((train > 0).tocsr().indptr) >= 1).all()  # history left for everyone
    again_train, _ = train_test_split(matrix, 0.3, seed=1)
    assert (again_train != train).nnz == 0


def test_a_personalised_model_beats_popularity_on_the_blocks(blocks: Blocks) -> None:
    train, test = train_test_split(blocks.user_items, 0.3, seed=0)
    scores = {}
    for name in ("popularity", "itemknn"):
        model = make_model(name)
        model.fit(train)
        scores[name] = ndcg_at_k(model, train, test, K=5)
    assert scores["itemknn"] > scores["popularity"]
