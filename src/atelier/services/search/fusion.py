"""Reciprocal rank fusion of keyword and vector rankings, with a small popularity prior."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class FusionWeights:
    """How much each ranking counts; tuned on a validation split by `atelier eval search`."""

    keyword: float = 1.0
    vector: float = 1.0
    # Third signal for LoRAs: votes from the images that match the query.
    image_votes: float = 1.0
    rrf_k: float = 60.0
    # At most this share of a first-ranked item's fused score can come from popularity.
    popularity: float = 0.1


# Written by `atelier eval search --tune` from the tuning split; read at start-up.
TUNED_WEIGHTS = Path(__file__).with_name("tuned_weights.json")


def load_tuned_weights(path: Path = TUNED_WEIGHTS) -> FusionWeights:
    """The tuned weights, or the defaults before any tuning ran."""
    if not path.is_file():
        return FusionWeights()
    values = json.loads(path.read_text(encoding="utf-8"))
    known = set(FusionWeights.__dataclass_fields__)
    return FusionWeights(**{k: float(v) for k, v in values.items() if k in known})


def save_tuned_weights(weights: FusionWeights, path: Path = TUNED_WEIGHTS) -> None:
    """Store tuned weights next to the code that reads them (they ship with the package)."""
    path.write_text(json.dumps(asdict(weights), indent=2, sort_keys=True) + "\n", encoding="utf-8")


@dataclass(slots=True)
class Fused:
    """One fused result and the ranks it came from (None where a ranking missed it)."""

    item_id: int
    score: float
    ranks: dict[str, int] = field(default_factory=dict)


def fuse(
    rankings: Mapping[str, Sequence[int]],
    weights: Mapping[str, float],
    *,
    rrf_k: float,
    popularity: Mapping[int, float] | None = None,
    popularity_weight: float = 0.0,
) -> list[Fused]:
    """Weighted RRF: sum over rankings of weight / (k + rank); ties broken by popularity.

    The prior is scaled to a fraction of the best possible single-ranking score, so it orders
    near-ties without lifting a popular miss over a relevant hit.
    """
    fused: dict[int, Fused] = {}
    for name, ranking in rankings.items():
        weight = weights.get(name, 0.0)
        if weight <= 0:
            continue
        for rank, item_id in enumerate(ranking):
            entry = fused.get(item_id)
            if entry is None:
                entry = fused[item_id] = Fused(item_id, 0.0)
            entry.score += weight / (rrf_k + rank + 1)
            entry.ranks[name] = rank
    if popularity and popularity_weight > 0 and fused:
        values = np.array([popularity.get(i, 0.0) for i in fused], dtype=np.float64)
        spread = float(values.max() - values.min()) or 1.0
        scale = popularity_weight * max(weights.values()) / (rrf_k + 1)
        for entry, value in zip(fused.values(), values, strict=True):
            entry.score += scale * (float(value) - float(values.min())) / spread
    return sorted(fused.values(), key=lambda e: (-e.score, e.item_id))


def top_k(scores: NDArray[np.float32], k: int) -> NDArray[np.int64]:
    """Indices of the k largest scores, best first."""
    if scores.size == 0 or k <= 0:
        return np.empty(0, dtype=np.int64)
    k = min(k, scores.size)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")].astype(np.int64)
