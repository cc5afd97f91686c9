"""A person's content profile: a decayed, weighted blend of the embeddings of what they touched."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from atelier.recommend.events import DEFAULT_HALF_LIFE_S, DEFAULT_WEIGHTS, Kind, decay

# Positive kinds, weakest first; a reason names the strongest kind an item still holds.
_POSITIVE_ORDER: tuple[Kind, ...] = (Kind.VIEW, Kind.CLICK, Kind.LIKE, Kind.SAVE)
_COLUMN: Mapping[Kind, int] = {kind: i for i, kind in enumerate(_POSITIVE_ORDER)}


@dataclass(frozen=True, eq=False)
class ProfileEvent:
    """One interaction with an item whose embedding is known."""

    item_id: int
    vector: NDArray[np.float32]
    kind: Kind
    timestamp: float


@dataclass(frozen=True, eq=False)
class Explanation:
    """Per candidate: the remembered item that contributed most, and how much (id -1: none)."""

    ref_item_ids: NDArray[np.int64]
    contributions: NDArray[np.float32]
    kinds: NDArray[np.int8]


def _unit_rows(vectors: ArrayLike, dim: int) -> NDArray[np.float32]:
    rows = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    if rows.shape[1] != dim:
        raise ValueError(f"item vectors have {rows.shape[1]} dimensions, profile has {dim}")
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: NDArray[np.float32] = (rows / norms).astype(np.float32)
    return out


class ContentProfile:
    """Positive and negative taste vectors, updated online in O(dim) per event.

    Weights decay with a half-life. Rather than re-decaying every past event, the vectors are
    kept as of the latest event time `t_ref` and scaled once when time moves on; an older,
    out-of-order event is decayed relative to `t_ref` before it is added.

    The `top_m` positively weighted items are also kept (id, vector, weight) so that a score
    can be explained by naming the real item that pulled a candidate up.
    """

    def __init__(
        self,
        dim: int,
        *,
        half_life_s: float = DEFAULT_HALF_LIFE_S,
        weights: Mapping[Kind, float] = DEFAULT_WEIGHTS,
        negative_lambda: float = 0.5,
        top_m: int = 32,
    ) -> None:
        if dim < 1 or top_m < 1:
            raise ValueError("dim and top_m must be at least 1")
        self.dim = dim
        self.half_life_s = half_life_s
        self.weights = dict(weights)
        self.negative_lambda = negative_lambda
        self.top_m = top_m
        self._pos = np.zeros(dim, np.float64)
        self._neg = np.zeros(dim, np.float64)
        self._t_ref = -math.inf
        self._n_events = 0
        self._top_ids = np.full(top_m, -1, np.int64)
        self._top_vecs = np.zeros((top_m, dim), np.float32)
        # Weight per remembered item and positive kind, so that undoing a save leaves the
        # item's like (and names it "liked", not "saved").
        self._top_kw = np.zeros((top_m, len(_POSITIVE_ORDER)), np.float64)
        # Raw (timestamp, weight, vector) of saves per item, so a later unsave can take exactly
        # that contribution back out.
        self._saves: dict[int, list[tuple[float, float, NDArray[np.float32]]]] = {}
        # The latest `top_m` pushed-away items themselves: the averaged negative vector alone
        # barely moves the near-duplicates of one disliked item when it sits close to a liked
        # one, and "not interested" should mean "fewer like this one".
        self._neg_vecs: list[NDArray[np.float32]] = []

    @classmethod
    def from_events(
        cls,
        events: Iterable[ProfileEvent],
        dim: int,
        *,
        half_life_s: float = DEFAULT_HALF_LIFE_S,
        weights: Mapping[Kind, float] = DEFAULT_WEIGHTS,
        negative_lambda: float = 0.5,
        top_m: int = 32,
    ) -> ContentProfile:
        """Build a profile by replaying `events` in time order."""
        profile = cls(
            dim,
            half_life_s=half_life_s,
            weights=weights,
            negative_lambda=negative_lambda,
            top_m=top_m,
        )
        for event in sorted(events, key=lambda e: e.timestamp):
            profile.update(event)
        return profile

    @property
    def n_events(self) -> int:
        """Events folded in so far (unsaves included)."""
        return self._n_events

    @property
    def is_empty(self) -> bool:
        """True while nothing positive or negative has been learned."""
        return not (self._pos.any() or self._neg.any())

    @property
    def positive(self) -> NDArray[np.float32] | None:
        """Unit vector of what the person likes (None before any positive event)."""
        return self._unit(self._pos)

    @property
    def negative(self) -> NDArray[np.float32] | None:
        """Unit vector of what the person pushed away (None before any negative event)."""
        return self._unit(self._neg)

    @staticmethod
    def _unit(vec: NDArray[np.float64]) -> NDArray[np.float32] | None:
        norm = float(np.linalg.norm(vec))
        # Float residue after an unsave cancels the only save is not a taste.
        if norm < 1e-12:
            return None
        return (vec / norm).astype(np.float32)

    def _advance(self, timestamp: float) -> None:
        if timestamp <= self._t_ref:
            return
        if math.isfinite(self._t_ref):
            factor = float(decay(timestamp - self._t_ref, self.half_life_s))
            self._pos *= factor
            self._neg *= factor
            self._top_kw *= factor
        self._t_ref = timestamp

    def _event_weight(self, kind: Kind, timestamp: float) -> float:
        return self.weights.get(kind, 0.0) * float(decay(self._t_ref - timestamp, self.half_life_s))

    def update(self, event: ProfileEvent) -> None:
        """Fold one event in; the next `score` call reflects it."""
        vector = np.asarray(event.vector, dtype=np.float32).reshape(-1)
        if vector.shape[0] != self.dim:
            raise ValueError(f"event vector has {vector.shape[0]} dimensions, expected {self.dim}")
        self._n_events += 1
        if event.kind == Kind.UNSAVE:
            self._cancel_saves(event.item_id, event.timestamp)
            return
        self._advance(event.timestamp)
        weight = self._event_weight(event.kind, event.timestamp)
        if weight > 0:
            self._pos += weight * vector
            self._remember(event.item_id, vector, weight, event.kind)
            if event.kind == Kind.SAVE:
                raw = self.weights.get(Kind.SAVE, 0.0)
                self._saves.setdefault(event.item_id, []).append((event.timestamp, raw, vector))
        elif weight < 0:
            self._neg += -weight * vector
            self._neg_vecs = [*self._neg_vecs[-(self.top_m - 1) :], vector]

    def _cancel_saves(self, item_id: int, timestamp: float) -> None:
        saves = self._saves.get(item_id, [])
        keep = []
        for ts, raw, vector in saves:
            if ts > timestamp:
                keep.append((ts, raw, vector))
                continue
            contribution = raw * float(decay(self._t_ref - ts, self.half_life_s))
            self._pos -= contribution * vector
            self._forget(item_id, Kind.SAVE, contribution)
        if keep:
            self._saves[item_id] = keep
        else:
            self._saves.pop(item_id, None)

    def _remember(
        self, item_id: int, vector: NDArray[np.float32], weight: float, kind: Kind
    ) -> None:
        if kind not in _COLUMN:
            return
        slot = np.flatnonzero(self._top_ids == item_id)
        if slot.size:
            self._top_kw[int(slot[0]), _COLUMN[kind]] += weight
            return
        totals = self._top_kw.sum(axis=1)
        i = int(np.argmin(totals))  # empty slots weigh 0, so they are taken first
        if self._top_ids[i] != -1 and totals[i] >= weight:
            return
        self._top_ids[i] = item_id
        self._top_vecs[i] = vector
        self._top_kw[i] = 0.0
        self._top_kw[i, _COLUMN[kind]] = weight

    def _forget(self, item_id: int, kind: Kind, weight: float) -> None:
        slot = np.flatnonzero(self._top_ids == item_id)
        if not slot.size:
            return
        i = int(slot[0])
        column = _COLUMN[kind]
        self._top_kw[i, column] = max(self._top_kw[i, column] - weight, 0.0)
        if self._top_kw[i].sum() <= 1e-12:
            self._top_ids[i] = -1
            self._top_kw[i] = 0.0

    def _top_kinds(self) -> NDArray[np.int8]:
        """The strongest positive kind each remembered item still holds (-1 for empty slots)."""
        held = self._top_kw > 1e-12
        strongest = len(_POSITIVE_ORDER) - 1 - np.argmax(held[:, ::-1], axis=1)
        codes = np.array([int(k) for k in _POSITIVE_ORDER], np.int8)[strongest]
        return np.where(held.any(axis=1), codes, -1).astype(np.int8)

    def score(self, item_vectors: ArrayLike) -> NDArray[np.float32]:
        """cos(item, positive) - negative_lambda * cos(item, negative), per row; 0 if empty."""
        rows = _unit_rows(item_vectors, self.dim)
        scores = np.zeros(rows.shape[0], np.float32)
        positive, negative = self.positive, self.negative
        if positive is not None:
            scores += rows @ positive
        if negative is not None:
            scores -= self.negative_lambda * (rows @ negative)
        return scores

    def nearest_negative(self, item_vectors: ArrayLike) -> NDArray[np.float32]:
        """Per row, the cosine to the closest item pushed away recently (0 if none)."""
        rows = _unit_rows(item_vectors, self.dim)
        if not self._neg_vecs:
            return np.zeros(rows.shape[0], np.float32)
        pushed = _unit_rows(np.stack(self._neg_vecs), self.dim)
        out: NDArray[np.float32] = np.maximum((rows @ pushed.T).max(axis=1), 0.0)
        return out.astype(np.float32)

    def explain(self, item_vectors: ArrayLike) -> Explanation:
        """For each candidate, the remembered positive item with the largest weight x cosine."""
        rows = _unit_rows(item_vectors, self.dim)
        n = rows.shape[0]
        filled = self._top_ids >= 0
        if not filled.any():
            return Explanation(
                np.full(n, -1, np.int64), np.zeros(n, np.float32), np.full(n, -1, np.int8)
            )
        vecs = _unit_rows(self._top_vecs[filled], self.dim)
        weights = self._top_kw[filled].sum(axis=1).astype(np.float32)
        contrib = (rows @ vecs.T) * weights[None, :]
        best = np.argmax(contrib, axis=1)
        value = contrib[np.arange(n), best]
        ids = self._top_ids[filled][best]
        kinds = self._top_kinds()[filled][best]
        # A candidate that no remembered item pulls up has no "because you liked" reason.
        none = value <= 0
        ids = np.where(none, -1, ids)
        kinds = np.where(none, -1, kinds).astype(np.int8)
        return Explanation(ids.astype(np.int64), np.maximum(value, 0).astype(np.float32), kinds)
