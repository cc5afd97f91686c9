"""The VectorIndex protocol every index kind implements, and its SearchResult."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol, Self, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from atelier.index.filter import AllowedSet


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Nearest neighbours per query, best first.

    Queries may be one vector (dim,) or a batch (q, dim); results are always 2-d: `ids` and
    `scores` have shape (q, k') with k' = min(k, eligible ids), so no row is padded.
    Scores are cosine similarities (inner products of unit vectors), higher is better.
    """

    ids: NDArray[np.int64]
    scores: NDArray[np.float32]

    def __post_init__(self) -> None:
        if self.ids.shape != self.scores.shape or self.ids.ndim != 2:
            shapes = f"ids {self.ids.shape}, scores {self.scores.shape}"
            raise ValueError(f"{shapes}: both must be 2-d and the same shape")

    @classmethod
    def empty(cls, n_queries: int) -> SearchResult:
        """A result with no neighbours for each of `n_queries` queries."""
        return cls(
            ids=np.empty((n_queries, 0), dtype=np.int64),
            scores=np.empty((n_queries, 0), dtype=np.float32),
        )


@runtime_checkable
class VectorIndex(Protocol):
    """A mutable set of (Civitai id, unit vector) pairs searchable by cosine similarity.

    Ids are arbitrary int64 values, never positions. Vectors are normalised on the way in, so
    callers may pass raw embeddings. Ids with identical vectors (images sharing a prompt) share
    one stored vector and tie on score, listed in ascending id order. Searches may run
    concurrently; mutations need the caller to hold off searches (the services layer owns that
    lock).
    """

    kind: ClassVar[str]

    @property
    def dim(self) -> int:
        """Width of every stored vector."""
        ...

    def __len__(self) -> int:
        """Number of live ids."""
        ...

    def ids(self) -> NDArray[np.int64]:
        """Every live id, in no particular order."""
        ...

    def contains(self, ids: NDArray[np.int64]) -> NDArray[np.bool_]:
        """For each id, whether it is in the index."""
        ...

    def get_vectors(self, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        """Stored unit vectors for `ids` (approximate when quantised); KeyError if one is absent."""
        ...

    def add(self, ids: NDArray[np.int64], vectors: NDArray[np.float32]) -> None:
        """Insert or replace: an id already present gets the new vector."""
        ...

    def remove(self, ids: NDArray[np.int64]) -> None:
        """Delete ids; ids that are not present are ignored."""
        ...

    def search(
        self,
        queries: NDArray[np.float32],
        k: int,
        allowed: NDArray[np.int64] | AllowedSet | None = None,
        *,
        effort: float = 1.0,
    ) -> SearchResult:
        """The k best ids per query, only among `allowed` ids when it is given.

        A filtered search returns min(k, number of allowed ids present) results per query,
        however selective the filter is. Pass an AllowedSet to reuse a resolved filter.
        `effort` scales an approximate index's work (IVF lists probed, HNSW search width)
        from its tuned default: below 1 for callers that trade recall for time, such as
        recommendation candidates; exact indexes ignore it.
        """
        ...

    def allowed_set(self, ids: NDArray[np.int64]) -> AllowedSet:
        """Resolve ids once into a filter that later searches can reuse cheaply."""
        ...

    def memory_bytes(self) -> int:
        """Approximate resident size of the index's own arrays."""
        ...

    def save(self, directory: Path) -> None:
        """Write the index to `directory` atomically, replacing an index saved there before."""
        ...

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Read an index written by `save` of the same kind."""
        ...
