"""Fixtures for the index tests: small deterministic unit vectors and one index per kind."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from numpy.typing import NDArray

from atelier.index import INDEX_KINDS, VectorIndex, make_index
from atelier.index._faiss import faiss

DIM = 24


@pytest.fixture(autouse=True, scope="session")
def _one_faiss_thread() -> Iterator[None]:
    # The test machine is shared; one OpenMP thread also makes HNSW builds deterministic.
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(before)


def unit_vectors(n: int, dim: int = DIM, seed: int = 0) -> NDArray[np.float32]:
    """`n` random unit vectors; in 24-d two of them rarely have cosine above 0.7."""
    rows = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def civitai_ids(n: int, seed: int = 0) -> NDArray[np.int64]:
    """`n` distinct, unordered, large int64 ids: never positions, never 0..n-1."""
    rng = np.random.default_rng(seed + 1000)
    return rng.choice(np.int64(2**40), size=n, replace=False).astype(np.int64) + 7


def brute_force(
    vectors: NDArray[np.float32],
    ids: NDArray[np.int64],
    queries: NDArray[np.float32],
    k: int,
) -> NDArray[np.int64]:
    """Reference top-k ids by exact cosine."""
    scores = queries @ vectors.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return ids[order]


@pytest.fixture(params=INDEX_KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_index(kind: str) -> VectorIndex:
    return make_index(kind, DIM)


@pytest.fixture
def corpus() -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """1,000 ids and unit vectors."""
    return civitai_ids(1000), unit_vectors(1000)


@pytest.fixture
def filled_index(
    empty_index: VectorIndex, corpus: tuple[NDArray[np.int64], NDArray[np.float32]]
) -> VectorIndex:
    ids, vectors = corpus
    # Two batches, so the quantised kinds also go through a range check on the second one.
    empty_index.add(ids[:700], vectors[:700])
    empty_index.add(ids[700:], vectors[700:])
    return empty_index
