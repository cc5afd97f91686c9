"""Blend named score vectors over one candidate set, and keep which signal ranked each item."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from atelier.recommend.reasons import Reason, ReasonKind, make_reason, verb_for

Normalisation = Literal["minmax", "rank", "none"]


def minmax(scores: ArrayLike) -> NDArray[np.float32]:
    """Scale to [0, 1]; NaN (no evidence) and constant vectors map to 0."""
    x = np.asarray(scores, dtype=np.float64)
    out = np.zeros(x.shape, np.float32)
    finite = np.isfinite(x)
    if not finite.any():
        return out
    lo, hi = x[finite].min(), x[finite].max()
    if hi > lo:
        out[finite] = (x[finite] - lo) / (hi - lo)
    return out


def dense_rank(scores: ArrayLike) -> NDArray[np.float32]:
    """Distinct values ranked and scaled to [0, 1]; ties share a rank, the lowest value is 0.

    Ties matter: most candidates have no evidence from a sparse signal, and they must all sit
    at 0 rather than be spread over the middle ranks.
    """
    x = np.asarray(scores, dtype=np.float64)
    out = np.zeros(x.shape, np.float32)
    finite = np.isfinite(x)
    if not finite.any():
        return out
    values, inverse = np.unique(x[finite], return_inverse=True)
    if values.shape[0] > 1:
        out[finite] = inverse / (values.shape[0] - 1)
    return out


@dataclass(frozen=True, eq=False)
class Signal:
    """One named score vector over the candidates, with what each reason would point at.

    Optional per-candidate arrays: `ref_ids` (-1: none), `counts` (0: none), `tags` (None: none),
    `actions` (`Kind` codes, -1: none). `ref_names` maps ref ids to display names; it belongs to
    the signal because refs of different signals live in different id spaces (images, LoRAs).
    """

    kind: ReasonKind
    scores: NDArray[Any]
    weight: float = 1.0
    ref_ids: NDArray[Any] | None = None
    counts: NDArray[Any] | None = None
    tags: Sequence[str | None] | None = None
    actions: NDArray[Any] | None = None
    ref_names: Mapping[int, str] = field(default_factory=dict)

    def reason(self, i: int) -> Reason:
        """The reason this signal gives for candidate `i`."""
        ref = int(self.ref_ids[i]) if self.ref_ids is not None else -1
        count = int(self.counts[i]) if self.counts is not None else 0
        tag = self.tags[i] if self.tags is not None else None
        action = verb_for(int(self.actions[i])) if self.actions is not None else None
        return make_reason(
            self.kind,
            ref_item_id=ref if ref >= 0 else None,
            ref_names=self.ref_names,
            count=count if count > 0 else None,
            tag=tag,
            action=action,
        )


@dataclass(frozen=True, eq=False)
class Blended:
    """Blended scores and, per candidate, the index of the signal that contributed most."""

    scores: NDArray[np.float32]
    contributions: NDArray[np.float32]
    top_signal: NDArray[np.int64]
    signals: tuple[Signal, ...]
    fallback: ReasonKind

    def order(self) -> NDArray[np.int64]:
        """Candidate indices, best first (ties by index)."""
        return np.lexsort((np.arange(self.scores.shape[0]), -self.scores)).astype(np.int64)

    def reason(self, i: int) -> Reason:
        """The reason for candidate `i`, from the signal that contributed most to its score."""
        top = int(self.top_signal[i])
        if top < 0:
            return make_reason(self.fallback)
        return self.signals[top].reason(i)

    def reasons(self, indices: ArrayLike) -> list[Reason]:
        """Reasons for several candidates, in the order given."""
        return [self.reason(int(i)) for i in np.asarray(indices).ravel()]


def blend(
    signals: Sequence[Signal],
    *,
    normalise: Normalisation = "minmax",
    fallback: ReasonKind = "popular",
) -> Blended:
    """Weighted sum of normalised signals.

    Each signal is normalised over the candidates first (scores of different signals live on
    different scales), then weighted. A candidate's reason comes from its largest weighted
    contribution; a candidate that no signal lifts above 0 gets the `fallback` reason.
    """
    if not signals:
        raise ValueError("blend needs at least one signal")
    n = np.asarray(signals[0].scores).shape[0]
    rows = []
    for signal in signals:
        scores = np.asarray(signal.scores)
        if scores.shape != (n,):
            raise ValueError(f"signal {signal.kind} has shape {scores.shape}, expected ({n},)")
        if normalise == "minmax":
            norm = minmax(scores)
        elif normalise == "rank":
            norm = dense_rank(scores)
        else:
            norm = np.nan_to_num(scores.astype(np.float32), nan=0.0)
        rows.append(norm * np.float32(signal.weight))
    contributions = np.vstack(rows).astype(np.float32)
    total = contributions.sum(axis=0)
    top = np.argmax(contributions, axis=0).astype(np.int64)
    top[contributions.max(axis=0) <= 0] = -1
    return Blended(
        scores=total,
        contributions=contributions,
        top_signal=top,
        signals=tuple(signals),
        fallback=fallback,
    )
