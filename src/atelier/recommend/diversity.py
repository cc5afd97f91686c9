"""Diversity re-ranking: MMR with per-group caps, a near-duplicate bar, and exploration slots."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from atelier.recommend.blend import minmax

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class GroupCap:
    """At most `cap` picks per group on a page.

    `members` is either one group id per candidate (-1: no group) or a candidates x groups
    sparse membership matrix, for items in several groups at once (an image made with 3 LoRAs).
    """

    members: Any
    cap: int
    name: str = ""

    def membership(self, n: int, rows: NDArray[np.int64] | None = None) -> Any:
        """The candidates x groups membership as csc (so a group's members are one slice),
        of the candidates `rows` only when given (built for those alone: cheaper)."""
        size = self.members.shape[0] if sp.issparse(self.members) else len(self.members)
        if size != n:
            raise ValueError(f"group cap {self.name!r} has {size} rows, expected {n}")
        if sp.issparse(self.members):
            matrix = sp.csr_matrix(self.members, dtype=np.float32)
            return sp.csc_matrix(matrix if rows is None else matrix[rows])
        ids = np.asarray(self.members, dtype=np.int64).ravel()
        n_groups = int(ids.max()) + 1 if ids.size and ids.max() >= 0 else 0
        if rows is not None:
            ids = ids[rows]
        grouped = np.flatnonzero(ids >= 0)
        return sp.csc_matrix(
            (np.ones(grouped.size, np.float32), (grouped, ids[grouped])),
            shape=(ids.shape[0], n_groups),
        )


@dataclass(frozen=True, eq=False)
class Reranked:
    """A page: candidate indices in display order, and which slots are exploration picks."""

    order: NDArray[np.int64]
    explore: NDArray[np.bool_]

    @property
    def explore_share(self) -> float:
        """Fraction of the page filled by exploration."""
        return float(self.explore.mean()) if self.explore.size else 0.0


class _Caps:
    """Tracks group counts and which candidates a full group now blocks."""

    def __init__(self, caps: Sequence[GroupCap], n: int, rows: NDArray[np.int64]) -> None:
        # Only the candidates in `rows` (in that order) are tracked.
        self._caps = [(cap, cap.membership(n, rows)) for cap in caps]
        self._rows = [m.tocsr() for _, m in self._caps]
        self._counts = [np.zeros(m.shape[1], np.int64) for _, m in self._caps]
        self.blocked = np.zeros(rows.size, dtype=bool)
        for cap, matrix in self._caps:
            if cap.cap <= 0:
                self.blocked[np.unique(matrix.indices)] = True

    def take(self, i: int) -> None:
        for (cap, matrix), rows, counts in zip(self._caps, self._rows, self._counts, strict=True):
            groups = rows.indices[rows.indptr[i] : rows.indptr[i + 1]]
            counts[groups] += 1
            for g in groups[counts[groups] >= cap.cap]:
                self.blocked[matrix.indices[matrix.indptr[g] : matrix.indptr[g + 1]]] = True


def _unit_rows(embeddings: ArrayLike) -> NDArray[np.float32]:
    rows = np.asarray(embeddings, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: NDArray[np.float32] = (rows / norms).astype(np.float32)
    return out


def mmr_rerank(
    relevance: ArrayLike,
    embeddings: ArrayLike,
    *,
    k: int = 20,
    lambda_: float = 0.7,
    caps: Sequence[GroupCap] = (),
    max_similarity: float | None = 0.95,
    explore_mask: ArrayLike | None = None,
    prior: ArrayLike | None = None,
    epsilon: float = 0.0,
    seed: int = 0,
    shortlist: int | None = None,
) -> Reranked:
    """Pick a page of `k` candidates.

    Ordinary slots take argmax of lambda * relevance - (1 - lambda) * max cosine to what is
    already on the page (relevance min-max scaled so lambda means the same for any scorer).
    Candidates over a group cap, or closer than `max_similarity` to a pick, are never taken.

    Exploration: about `epsilon * k` slots (the fraction rounded by a seeded draw, so the
    share is exact on average), never the first, are filled from `explore_mask` candidates,
    drawn in proportion to `prior` (e.g. popularity); the caller chooses that pool, typically
    popular items its profile scores low. Ordinary slots never take those
    candidates unless the ordinary pool runs dry. The page may be shorter than `k` when the
    caps leave too few candidates. The same inputs and seed give the same page.

    With `shortlist`, ordinary slots first choose among only the `shortlist` most relevant
    ordinary candidates (exploration keeps its whole pool), and among all of them only when
    those cannot fill the page: each pick costs a pass over the candidates, and a page of 20
    from ~1,000 rarely reaches far down the relevance order.
    """
    if not 0.0 <= lambda_ <= 1.0:
        raise ValueError("lambda_ must be in [0, 1]")
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError("epsilon must be in [0, 1]")
    rel = np.asarray(relevance, dtype=np.float64)
    # Unit rows are made per pass, for the candidates it considers only.
    vectors = np.asarray(embeddings, dtype=np.float32)
    n = rel.shape[0]
    if vectors.shape[0] != n:
        raise ValueError("relevance and embeddings must have one row per candidate")
    explorable = (
        np.zeros(n, bool) if explore_mask is None else np.asarray(explore_mask, bool).copy()
    )
    weights = np.ones(n) if prior is None else np.maximum(np.asarray(prior, np.float64), 0.0)

    rng = np.random.default_rng(seed)
    k = min(k, n)
    slots = k * epsilon
    n_explore = math.floor(slots) + int(rng.random() < slots - math.floor(slots))
    n_explore = min(n_explore, max(k - 1, 0), int(explorable.sum()))
    # The first slot stays the best match: exploration should never lead the page.
    explore_slots: set[int] = set()
    if n_explore:
        explore_slots = set(rng.choice(np.arange(1, k), size=n_explore, replace=False).tolist())

    scaled = minmax(np.where(explorable, np.nan, rel)).astype(np.float64)
    candidates = _Candidates(scaled, vectors, explorable, weights, caps)
    state = rng.bit_generator.state
    if shortlist is not None and n - int(explorable.sum()) > shortlist:
        ordinary_rows = np.flatnonzero(~explorable)
        best = ordinary_rows[np.argsort(-scaled[ordinary_rows], kind="stable")[:shortlist]]
        rows = np.sort(np.concatenate([best, np.flatnonzero(explorable)]))
        order, explore_flags = _pick(
            candidates, rows, k, lambda_, max_similarity, explore_slots, rng
        )
        if len(order) == k:
            return Reranked(np.asarray(order, np.int64), np.asarray(explore_flags, bool))
        # The shortlist ran dry (caps, duplicates): the same draws over every candidate.
        rng.bit_generator.state = state
    order, explore_flags = _pick(
        candidates, np.arange(n), k, lambda_, max_similarity, explore_slots, rng
    )
    if len(order) < k:
        logger.debug(
            "page has %d of %d items: caps or duplicates exhausted the pool", len(order), k
        )
    return Reranked(np.asarray(order, np.int64), np.asarray(explore_flags, bool))


@dataclass(frozen=True, eq=False)
class _Candidates:
    """Everything the MMR loop reads about the candidates, in candidate order."""

    scaled: NDArray[np.float64]
    vectors: NDArray[np.float32]
    explorable: NDArray[np.bool_]
    weights: NDArray[np.float64]
    caps: Sequence[GroupCap]


def _pick(
    candidates: _Candidates,
    rows: NDArray[np.int64],
    k: int,
    lambda_: float,
    max_similarity: float | None,
    explore_slots: set[int],
    rng: np.random.Generator,
) -> tuple[list[int], list[bool]]:
    """The MMR loop over the candidates `rows` (ascending); returns picks as candidate
    indices and which of them were exploration."""
    scaled, vectors = candidates.scaled[rows], _unit_rows(candidates.vectors[rows])
    explorable, weights = candidates.explorable[rows], candidates.weights[rows]
    capper = _Caps(candidates.caps, candidates.scaled.shape[0], rows)
    taken = np.zeros(rows.size, bool)
    max_sim = np.full(rows.size, -np.inf)
    order: list[int] = []
    explore_flags: list[bool] = []
    for position in range(k):
        available = ~(taken | capper.blocked)
        if max_similarity is not None:
            available &= max_sim < max_similarity
        ordinary = available & ~explorable
        wild = available & explorable
        from_explore = position in explore_slots and bool(wild.any())
        if from_explore:
            p = weights[wild] + 1e-12
            pick = int(rng.choice(np.flatnonzero(wild), p=p / p.sum()))
        else:
            pool = ordinary if ordinary.any() else wild
            if not pool.any():
                break
            redundancy = np.where(np.isfinite(max_sim), max_sim, 0.0)
            mmr = lambda_ * scaled - (1.0 - lambda_) * redundancy
            mmr = np.where(pool, mmr, -np.inf)
            pick = int(np.argmax(mmr))
        order.append(int(rows[pick]))
        explore_flags.append(from_explore)
        taken[pick] = True
        capper.take(pick)
        max_sim = np.maximum(max_sim, vectors @ vectors[pick])
    return order, explore_flags
