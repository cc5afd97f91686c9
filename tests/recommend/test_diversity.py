"""Tests for MMR re-ranking, group caps, the near-duplicate bar and exploration."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from atelier.recommend.diversity import GroupCap, mmr_rerank

DIM = 8


def clusters(n_clusters: int, per_cluster: int, seed: int = 0) -> np.ndarray:
    """Near-duplicates within a cluster (cosine ~0.99), unrelated across clusters."""
    rng = np.random.default_rng(seed)
    centres = np.linalg.qr(rng.normal(size=(DIM, DIM)))[0][:n_clusters]
    vectors = np.repeat(centres, per_cluster, axis=0)
    vectors += 0.02 * rng.normal(size=vectors.shape)
    return vectors.astype(np.float32)


def test_pure_relevance_without_caps_keeps_the_relevance_order() -> None:
    rng = np.random.default_rng(1)
    relevance = rng.random(30)
    page = mmr_rerank(relevance, rng.normal(size=(30, DIM)), k=10, lambda_=1.0, max_similarity=None)
    assert page.order.tolist() == np.argsort(-relevance)[:10].tolist()


def test_near_duplicates_are_spread_out() -> None:
    vectors = clusters(4, 5)
    relevance = np.repeat([1.0, 0.9, 0.8, 0.7], 5) + np.linspace(0, 0.01, 20)
    wall = mmr_rerank(relevance, vectors, k=4, lambda_=1.0, max_similarity=None)
    assert len(set((wall.order // 5).tolist())) == 1  # relevance alone: one cluster's copies
    page = mmr_rerank(relevance, vectors, k=4, lambda_=0.5, max_similarity=None)
    assert sorted((page.order // 5).tolist()) == [0, 1, 2, 3]


def test_the_duplicate_bar_keeps_copies_off_the_page() -> None:
    vectors = clusters(2, 5)
    page = mmr_rerank(np.ones(10), vectors, k=5, lambda_=1.0, max_similarity=0.9)
    assert sorted((page.order // 5).tolist()) == [0, 1]  # the pool ran out after one per cluster


def test_no_group_exceeds_its_cap() -> None:
    rng = np.random.default_rng(2)
    n = 60
    lora = np.where(np.arange(n) < 30, 0, rng.integers(1, 10, n))
    creator = rng.integers(0, 4, n)
    relevance = np.where(lora == 0, 2.0, 1.0) + rng.random(n) * 0.1
    page = mmr_rerank(
        relevance,
        rng.normal(size=(n, DIM)),
        k=20,
        caps=[GroupCap(lora, 3, "lora"), GroupCap(creator, 6, "creator")],
        max_similarity=None,
    )
    assert page.order.size == 20
    assert np.bincount(lora[page.order]).max() <= 3
    assert np.bincount(creator[page.order]).max() <= 6


def test_caps_apply_to_items_in_several_groups() -> None:
    # Image i uses LoRA 0 and LoRA 1 + i % 3: LoRA 0 may appear at most twice.
    n = 12
    rows = np.repeat(np.arange(n), 2)
    cols = np.ravel(np.column_stack([np.zeros(n, int), 1 + np.arange(n) % 3]))
    members = sp.csr_matrix((np.ones(2 * n), (rows, cols)), shape=(n, 4))
    page = mmr_rerank(
        np.linspace(1, 0, n),
        np.eye(n, DIM * 2),
        k=5,
        caps=[GroupCap(members, 2)],
        max_similarity=None,
    )
    assert page.order.size == 2  # every image uses LoRA 0, so the page stops at its cap


def test_exploration_fills_its_share_from_the_explore_pool() -> None:
    rng = np.random.default_rng(3)
    n = 80
    explore = np.arange(n) >= 60
    prior = rng.random(n)
    page = mmr_rerank(
        rng.random(n),
        rng.normal(size=(n, DIM)),
        k=20,
        explore_mask=explore,
        prior=prior,
        epsilon=0.25,
        seed=7,
    )
    assert page.explore.sum() == 5 and page.explore_share == 0.25
    assert not page.explore[0]
    assert explore[page.order[page.explore]].all()
    assert not explore[page.order[~page.explore]].any()


def test_exploration_is_deterministic_given_a_seed() -> None:
    rng = np.random.default_rng(4)
    args = (rng.random(50), rng.normal(size=(50, DIM)))
    kwargs = {"explore_mask": np.arange(50) % 2 == 0, "prior": rng.random(50), "epsilon": 0.3}
    first = mmr_rerank(*args, seed=11, **kwargs)
    again = mmr_rerank(*args, seed=11, **kwargs)
    assert first.order.tolist() == again.order.tolist()
    assert first.explore.tolist() == again.explore.tolist()


def test_fractional_exploration_share_is_right_on_average() -> None:
    rng = np.random.default_rng(5)
    relevance, vectors = rng.random(40), rng.normal(size=(40, DIM))
    explore = np.arange(40) >= 30
    shares = [
        mmr_rerank(
            relevance, vectors, k=10, explore_mask=explore, epsilon=0.05, seed=s
        ).explore_share
        for s in range(200)
    ]
    assert 0.03 < float(np.mean(shares)) < 0.07


def test_invalid_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="lambda_"):
        mmr_rerank(np.ones(2), np.eye(2), lambda_=1.5)
    with pytest.raises(ValueError, match="one row per candidate"):
        mmr_rerank(np.ones(3), np.eye(2))


def test_a_shortlist_changes_nothing_when_the_page_comes_from_the_most_relevant() -> None:
    rng = np.random.default_rng(7)
    n = 400
    relevance = rng.random(n)
    vectors = rng.normal(size=(n, DIM))
    explore = rng.random(n) < 0.2
    prior = rng.random(n)
    for lambda_ in (1.0, 0.7):
        args = dict(k=20, lambda_=lambda_, explore_mask=explore, prior=prior, epsilon=0.2, seed=3)
        whole = mmr_rerank(relevance, vectors, **args)  # type: ignore[arg-type]
        short = mmr_rerank(relevance, vectors, shortlist=60, **args)  # type: ignore[arg-type]
        assert short.order.tolist() == whole.order.tolist()
        assert short.explore.tolist() == whole.explore.tolist() and short.explore.any()


def test_a_shortlist_the_caps_exhaust_falls_back_to_every_candidate() -> None:
    rng = np.random.default_rng(8)
    n = 200
    # The 50 most relevant share one LoRA capped at 2: the shortlist alone cannot fill a page.
    lora = np.where(np.arange(n) < 50, 0, np.arange(n))
    relevance = np.where(lora == 0, 2.0, 1.0) + rng.random(n) * 0.1
    args = dict(k=10, caps=[GroupCap(lora, 2, "lora")], max_similarity=None, seed=1)
    vectors = rng.normal(size=(n, DIM))
    whole = mmr_rerank(relevance, vectors, **args)  # type: ignore[arg-type]
    short = mmr_rerank(relevance, vectors, shortlist=50, **args)  # type: ignore[arg-type]
    assert short.order.size == 10 and short.order.tolist() == whole.order.tolist()
    assert np.bincount(lora[short.order]).max() <= 2
