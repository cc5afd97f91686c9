"""Shared data with a known answer for the recommend tests: two disjoint groups of users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

N_PER_GROUP = 30
BLOCK = 10  # items 0..9 are block A, 10..19 block B
ITEMS_PER_USER = 6

# Small and fast: few factors and iterations, one thread (the test machine is shared).
MODEL_PARAMS: dict[str, dict[str, Any]] = {
    "popularity": {},
    "itemknn": {"k": 20},
    # Few users and items: strong regularisation keeps ALS from memorising each row.
    "als": {"factors": 4, "iterations": 10, "regularization": 1.0, "num_threads": 1},
    "bpr": {"factors": 16, "iterations": 200, "learning_rate": 0.05, "num_threads": 1},
    "ease": {"regularization": 10.0},
}


@dataclass(frozen=True)
class Blocks:
    """users x items confidence where group A users only touch block A, group B only block B."""

    user_items: Any
    group_a: np.ndarray
    group_b: np.ndarray
    block_a: np.ndarray
    block_b: np.ndarray


def make_blocks(seed: int = 0) -> Blocks:
    rng = np.random.default_rng(seed)
    rows, cols = [], []
    for user in range(2 * N_PER_GROUP):
        offset = 0 if user < N_PER_GROUP else BLOCK
        items = rng.choice(BLOCK, size=ITEMS_PER_USER, replace=False) + offset
        rows.extend([user] * ITEMS_PER_USER)
        cols.extend(items.tolist())
    data = rng.choice(np.array([1.0, 1.5, 0.3], dtype=np.float32), size=len(rows))
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(2 * N_PER_GROUP, 2 * BLOCK))
    return Blocks(
        user_items=matrix,
        group_a=np.arange(N_PER_GROUP),
        group_b=np.arange(N_PER_GROUP, 2 * N_PER_GROUP),
        block_a=np.arange(BLOCK),
        block_b=np.arange(BLOCK, 2 * BLOCK),
    )


@pytest.fixture(scope="session")
def blocks() -> Blocks:
    return make_blocks()
