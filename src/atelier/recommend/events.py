"""Interaction kinds, their weights, time decay, and the user x item confidence matrix."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from types import MappingProxyType
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray


class Kind(IntEnum):
    """What a person did with an item; the integer codes are stable (they are stored)."""

    VIEW = 0
    CLICK = 1
    LIKE = 2
    SAVE = 3
    DISLIKE = 4
    UNSAVE = 5
    HIDE = 6


# "not interested" is how the UI words a dislike.
_ALIASES: Mapping[str, Kind] = MappingProxyType(
    {"not_interested": Kind.DISLIKE, "not interested": Kind.DISLIKE, "favorite": Kind.SAVE}
)

DEFAULT_WEIGHTS: Mapping[Kind, float] = MappingProxyType(
    {
        Kind.VIEW: 0.05,
        Kind.CLICK: 0.3,
        Kind.LIKE: 1.0,
        Kind.SAVE: 1.5,
        Kind.DISLIKE: -1.0,
        # An unsave adds nothing itself: it cancels the earlier save(s) of that item (see
        # `aggregate`), so saving then unsaving leaves no trace instead of a net dislike.
        Kind.UNSAVE: 0.0,
        # Hiding is often about the one item (seen it, wrong moment) more than about taste, so it
        # pulls less than "not interested"; exclusion from the feed is handled separately.
        Kind.HIDE: -0.5,
    }
)

POSITIVE_KINDS: frozenset[Kind] = frozenset({Kind.VIEW, Kind.CLICK, Kind.LIKE, Kind.SAVE})
DEFAULT_HALF_LIFE_S = 30 * 24 * 3600.0
# Kinds that keep an item out of a person's feed for good.
DEFAULT_EXCLUDE_KINDS: frozenset[Kind] = frozenset({Kind.LIKE, Kind.SAVE, Kind.DISLIKE, Kind.HIDE})

_N_KINDS = len(Kind)


def parse_kind(name: str) -> Kind:
    """Map an API kind name ("like", "not_interested", ...) to a `Kind`; ValueError if none."""
    key = name.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        return Kind[key.upper()]
    except KeyError:
        raise ValueError(f"unknown interaction kind {name!r}") from None


def weight_table(weights: Mapping[Kind, float] = DEFAULT_WEIGHTS) -> NDArray[np.float64]:
    """Weights as an array indexed by kind code (kinds missing from `weights` weigh 0)."""
    return np.array([float(weights.get(k, 0.0)) for k in Kind], dtype=np.float64)


def decay(age_s: ArrayLike, half_life_s: float = DEFAULT_HALF_LIFE_S) -> NDArray[np.float64]:
    """Exponential decay factor for ages in seconds; future timestamps count as age 0."""
    if half_life_s <= 0:
        raise ValueError("half_life_s must be positive")
    age = np.maximum(np.asarray(age_s, dtype=np.float64), 0.0)
    if math.isinf(half_life_s):
        return np.ones_like(age)
    return np.exp2(-age / half_life_s)


@dataclass(frozen=True, eq=False)
class Aggregated:
    """Signed, decayed confidence per (user, item) pair, with the kind that weighed most."""

    user_idx: NDArray[np.int32]
    item_idx: NDArray[np.int32]
    confidence: NDArray[np.float32]
    top_kind: NDArray[np.int8]

    def __len__(self) -> int:
        return int(self.user_idx.shape[0])


def _as_int(a: ArrayLike, name: str) -> NDArray[np.int64]:
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must hold integers")
    out = arr.astype(np.int64, copy=False)
    if out.size and out.min() < 0:
        raise ValueError(f"{name} must be non-negative")
    return out


def _pair_keys(user: NDArray[np.int64], item: NDArray[np.int64]) -> NDArray[np.int64]:
    # Indices are bounded by the int32 matrices they index, so one int64 holds both.
    return (user << 32) | item


def aggregate(
    user_idx: ArrayLike,
    item_idx: ArrayLike,
    kinds: ArrayLike,
    timestamps: ArrayLike,
    *,
    now: float,
    half_life_s: float = DEFAULT_HALF_LIFE_S,
    weights: Mapping[Kind, float] = DEFAULT_WEIGHTS,
    max_repeats: float | None = 3.0,
) -> Aggregated:
    """Fold raw events into one signed confidence per (user, item).

    Each event weighs `weights[kind] * decay(now - timestamp)`. An unsave cancels every save of
    the same pair made at or before it. Repeats of one kind on one pair saturate at
    `max_repeats` times that kind's weight, so fifty views never outweigh a save.
    """
    users = _as_int(user_idx, "user_idx")
    items = _as_int(item_idx, "item_idx")
    kind = _as_int(kinds, "kinds")
    ts = np.asarray(timestamps, dtype=np.float64)
    n = users.shape[0]
    if not (items.shape[0] == kind.shape[0] == ts.shape[0] == n):
        raise ValueError("user_idx, item_idx, kinds and timestamps must have the same length")
    if n and kind.max() >= _N_KINDS:
        raise ValueError("kinds holds an unknown kind code")
    if n == 0:
        return Aggregated(
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0, np.float32),
            np.zeros(0, np.int8),
        )

    pair_keys, pair = np.unique(_pair_keys(users, items), return_inverse=True)
    unsave = kind == Kind.UNSAVE
    if unsave.any():
        latest_unsave = np.full(pair_keys.shape[0], -np.inf)
        np.maximum.at(latest_unsave, pair[unsave], ts[unsave])
        cancelled = (kind == Kind.SAVE) & (ts <= latest_unsave[pair])
        keep = ~(cancelled | unsave)
        pair, kind, ts = pair[keep], kind[keep], ts[keep]

    table = weight_table(weights)
    w = table[kind] * decay(now - ts, half_life_s)

    # Sum per (pair, kind) first so the saturation cap applies to repeats of one kind only.
    group_keys, group = np.unique(pair * _N_KINDS + kind, return_inverse=True)
    group_sum = np.bincount(group, weights=w, minlength=group_keys.shape[0])
    group_pair = group_keys // _N_KINDS
    group_kind = group_keys % _N_KINDS
    if max_repeats is not None:
        cap = np.abs(table[group_kind]) * max_repeats
        group_sum = np.clip(group_sum, -cap, cap)

    confidence = np.bincount(group_pair, weights=group_sum, minlength=pair_keys.shape[0])
    # The kind with the largest absolute contribution names the pair (for reasons and verbs).
    order = np.lexsort((-np.abs(group_sum), group_pair))
    first = np.unique(group_pair[order], return_index=True)[1]
    top_kind = np.full(pair_keys.shape[0], -1, dtype=np.int8)
    top_kind[group_pair[order][first]] = group_kind[order][first]

    present = np.zeros(pair_keys.shape[0], dtype=bool)
    present[group_pair] = True
    nonzero = present & (confidence != 0.0)
    keys = pair_keys[nonzero]
    return Aggregated(
        user_idx=(keys >> 32).astype(np.int32),
        item_idx=(keys & 0xFFFFFFFF).astype(np.int32),
        confidence=confidence[nonzero].astype(np.float32),
        top_kind=top_kind[nonzero],
    )


def aggregate_user(
    item_idx: ArrayLike, kinds: ArrayLike, timestamps: ArrayLike, *, now: float, **kw: Any
) -> Aggregated:
    """`aggregate` for one person's events (their user index is 0 in the result)."""
    items = np.asarray(item_idx)
    return aggregate(np.zeros(items.shape[0], np.int64), items, kinds, timestamps, now=now, **kw)


def interaction_matrix(
    user_idx: ArrayLike,
    item_idx: ArrayLike,
    kinds: ArrayLike,
    timestamps: ArrayLike,
    *,
    shape: tuple[int, int],
    now: float,
    half_life_s: float = DEFAULT_HALF_LIFE_S,
    weights: Mapping[Kind, float] = DEFAULT_WEIGHTS,
    max_repeats: float | None = 3.0,
) -> Any:
    """Build the users x items `csr_matrix` (float32) of signed confidence from event arrays.

    Negative entries mean the person pushed the item away; models that cannot use them take
    the positive part (see `positive_part`).
    """
    agg = aggregate(
        user_idx,
        item_idx,
        kinds,
        timestamps,
        now=now,
        half_life_s=half_life_s,
        weights=weights,
        max_repeats=max_repeats,
    )
    if len(agg) and (agg.user_idx.max() >= shape[0] or agg.item_idx.max() >= shape[1]):
        raise ValueError(f"an index falls outside shape {shape}")
    matrix = sp.csr_matrix(
        (agg.confidence, (agg.user_idx, agg.item_idx)), shape=shape, dtype=np.float32
    )
    matrix.sort_indices()
    return matrix


def positive_part(user_items: Any) -> Any:
    """The matrix with negative entries dropped (float32 csr)."""
    matrix = sp.csr_matrix(user_items, dtype=np.float32, copy=True)
    matrix.data[matrix.data < 0] = 0.0
    matrix.eliminate_zeros()
    return matrix


def excluded_items(
    item_idx: ArrayLike,
    kinds: ArrayLike,
    timestamps: ArrayLike,
    *,
    exclude_kinds: frozenset[Kind] = DEFAULT_EXCLUDE_KINDS,
    max_views: int | None = 5,
) -> NDArray[np.int32]:
    """Items one person should not be shown again, sorted.

    Those with an event of `exclude_kinds` (a save undone by a later unsave does not count), and
    those viewed `max_views` times or more without a click, like or save (over-shown).
    """
    items = _as_int(item_idx, "item_idx")
    kind = _as_int(kinds, "kinds")
    ts = np.asarray(timestamps, dtype=np.float64)
    if not (items.shape[0] == kind.shape[0] == ts.shape[0]):
        raise ValueError("item_idx, kinds and timestamps must have the same length")
    if items.size == 0:
        return np.zeros(0, np.int32)
    uniq, inv = np.unique(items, return_inverse=True)

    last_save = np.full(uniq.shape[0], -np.inf)
    last_unsave = np.full(uniq.shape[0], -np.inf)
    np.maximum.at(last_save, inv[kind == Kind.SAVE], ts[kind == Kind.SAVE])
    np.maximum.at(last_unsave, inv[kind == Kind.UNSAVE], ts[kind == Kind.UNSAVE])
    still_saved = last_save > last_unsave

    other = [k for k in exclude_kinds if k not in (Kind.SAVE, Kind.UNSAVE)]
    hit = np.zeros(uniq.shape[0], dtype=bool)
    if other:
        mask = np.isin(kind, np.array([int(k) for k in other]))
        hit[inv[mask]] = True
    if Kind.SAVE in exclude_kinds:
        hit |= still_saved

    if max_views is not None:
        views = np.bincount(inv[kind == Kind.VIEW], minlength=uniq.shape[0])
        engaged = np.zeros(uniq.shape[0], dtype=bool)
        engaged[inv[np.isin(kind, [Kind.CLICK, Kind.LIKE, Kind.SAVE])]] = True
        hit |= (views >= max_views) & ~engaged
    return uniq[hit].astype(np.int32)
