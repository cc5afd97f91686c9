"""Reciprocal rank fusion of keyword and vector rankings, with a small popularity prior."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
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
    # Third signal for images: prompts sharing the query's phrases (0 in weights tuned before
    # it existed, so such a file serves as it did).
    phrases: float = 0.0
    rrf_k: float = 60.0
    # At most this share of a first-ranked item's fused score can come from popularity.
    popularity: float = 0.1

    def signals(self) -> dict[str, float]:
        """The weight of each ranking by name, as fusion takes them."""
        return {
            "keyword": self.keyword,
            "vector": self.vector,
            "phrases": self.phrases,
            "image_votes": self.image_votes,
        }


@dataclass(frozen=True, slots=True)
class TunedWeights:
    """Fusion weights per content setting, each tuned on its own tuning split.

    PG-only viewers search a smaller, differently worded part of the catalog (prompts of safe
    images lean on scenery and style words, where meaning helps more than exact words), so the
    balance that suits all content is not the one that suits them.
    """

    all_content: FusionWeights = field(default_factory=FusionWeights)
    pg_only: FusionWeights = field(default_factory=FusionWeights)

    def for_level(self, max_level: int) -> FusionWeights:
        """The weights for a viewer who may see content up to `max_level` (0 is PG)."""
        return self.pg_only if max_level <= 0 else self.all_content


SETTING_KEYS = {"all content": "all_content", "PG only": "pg_only"}
# Written by `atelier eval search --tune` from the tuning splits; read at start-up.
TUNED_WEIGHTS = Path(__file__).with_name("tuned_weights.json")


def _weights(values: Mapping[str, object]) -> FusionWeights:
    known = set(FusionWeights.__dataclass_fields__)
    return FusionWeights(**{k: float(str(v)) for k, v in values.items() if k in known})


def load_tuned_weights(path: Path = TUNED_WEIGHTS) -> TunedWeights:
    """The tuned weights, or the defaults before any tuning ran.

    A file of one flat weighting (the format before per-setting tuning) applies to both.
    """
    if not path.is_file():
        return TunedWeights()
    values = json.loads(path.read_text(encoding="utf-8"))
    if not any(isinstance(v, dict) for v in values.values()):
        flat = _weights(values)
        return TunedWeights(flat, flat)
    defaults = TunedWeights()
    return TunedWeights(
        **{
            attribute: _weights(values[name]) if name in values else getattr(defaults, attribute)
            for name, attribute in SETTING_KEYS.items()
        }
    )


def save_tuned_weights(weights: TunedWeights, path: Path = TUNED_WEIGHTS) -> None:
    """Store tuned weights next to the code that reads them (they ship with the package)."""
    body = {name: asdict(getattr(weights, attr)) for name, attr in SETTING_KEYS.items()}
    path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")


@dataclass(slots=True)
class Fused:
    """One fused result; `ranks` says where each ranking had it (missing where it did not)."""

    item_id: int
    score: float
    # Every ranking's id -> position, shared by all results of one fusion: a query fuses
    # ~1,000 candidates and shows 24, so ranks are looked up only for results shown.
    positions: Mapping[str, Mapping[int, int]] = field(default_factory=dict, repr=False)

    @property
    def ranks(self) -> dict[str, int]:
        return {
            name: rank
            for name, ranking in self.positions.items()
            if (rank := ranking.get(self.item_id)) is not None
        }


# Each candidate's popularity, looked up for the fused ids (an array of them) in one go.
PopularityLookup = Callable[[NDArray[np.int64]], NDArray[np.float64]]


@dataclass(frozen=True)
class FusedRanking:
    """Every fused candidate, best first, as arrays; a `Fused` is made only for the items a
    page shows (a query fuses ~1,000 candidates per kind and shows 24)."""

    ids: NDArray[np.int64]
    scores: NDArray[np.float64]
    positions: Mapping[str, Mapping[int, int]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return int(self.ids.size)

    def page(self, start: int, stop: int) -> list[Fused]:
        return [
            Fused(item_id, score, self.positions)
            for item_id, score in zip(
                self.ids[start:stop].tolist(), self.scores[start:stop].tolist(), strict=True
            )
        ]

    def take(self, order: NDArray[np.int64]) -> FusedRanking:
        """The same candidates in another order."""
        return FusedRanking(self.ids[order], self.scores[order], self.positions)


def fuse_ranking(
    rankings: Mapping[str, Sequence[int]],
    weights: Mapping[str, float],
    *,
    rrf_k: float,
    popularity: PopularityLookup | None = None,
    popularity_weight: float = 0.0,
) -> FusedRanking:
    """Weighted RRF: sum over rankings of weight / (k + rank); ties broken by popularity.

    The prior is scaled to a fraction of the best possible single-ranking score, so it orders
    near-ties without lifting a popular miss over a relevant hit.
    """
    names, items, scores = _fused_scores(rankings, weights, rrf_k, popularity, popularity_weight)
    positions = {n: dict(zip(rankings[n], range(len(rankings[n])), strict=False)) for n in names}
    return FusedRanking(items, scores, positions)


def fuse(
    rankings: Mapping[str, Sequence[int]],
    weights: Mapping[str, float],
    *,
    rrf_k: float,
    popularity: Mapping[int, float] | None = None,
    popularity_weight: float = 0.0,
) -> list[Fused]:
    """`fuse_ranking` with a Fused for every candidate and popularity given as a mapping."""

    def lookup(ids: NDArray[np.int64]) -> NDArray[np.float64]:
        assert popularity is not None
        return np.array([popularity.get(i, 0.0) for i in ids.tolist()], dtype=np.float64)

    ranking = fuse_ranking(
        rankings,
        weights,
        rrf_k=rrf_k,
        popularity=lookup if popularity else None,
        popularity_weight=popularity_weight,
    )
    return ranking.page(0, len(ranking))


def fused_ids(
    rankings: Mapping[str, Sequence[int]],
    weights: Mapping[str, float],
    *,
    rrf_k: float,
    popularity: PopularityLookup | None = None,
    popularity_weight: float = 0.0,
) -> NDArray[np.int64]:
    """The ids `fuse_ranking` would return, in its order, without the rank lookups (for
    callers that only need the order: the voting images, the evaluation)."""
    _names, items, _scores = _fused_scores(rankings, weights, rrf_k, popularity, popularity_weight)
    return items


def _fused_scores(
    rankings: Mapping[str, Sequence[int]],
    weights: Mapping[str, float],
    rrf_k: float,
    popularity: PopularityLookup | None,
    popularity_weight: float,
) -> tuple[list[str], NDArray[np.int64], NDArray[np.float64]]:
    """The rankings that count, and the fused ids and scores, best first (ties by id)."""
    names = [name for name, ranking in rankings.items() if weights.get(name, 0.0) > 0 and ranking]
    if not names:
        return [], np.empty(0, np.int64), np.empty(0, np.float64)
    # Vectorised: one bincount over every (item, contribution) pair instead of a dict update
    # per pair; a query fuses ~1,000 candidates per kind, twice for a LoRA search.
    ids = np.concatenate([np.asarray(rankings[n], dtype=np.int64) for n in names])
    contributions = np.concatenate(
        [weights[n] / (rrf_k + 1 + np.arange(len(rankings[n]), dtype=np.float64)) for n in names]
    )
    items, inverse = np.unique(ids, return_inverse=True)
    scores = np.bincount(inverse, contributions, minlength=items.size).astype(np.float64)
    if popularity is not None and popularity_weight > 0 and items.size:
        values = popularity(items)
        low = float(values.min())
        spread = float(values.max()) - low or 1.0
        # The best single-ranking score among the rankings fused: a weight for a ranking this
        # kind does not have (image votes, for images) must not inflate the prior.
        scale = popularity_weight * max(weights[n] for n in names) / (rrf_k + 1)
        scores += scale * (values - low) / spread
    order = np.lexsort((items, -scores))
    return names, items[order], scores[order]


def top_k(scores: NDArray[np.float32], k: int) -> NDArray[np.int64]:
    """Indices of the k largest scores, best first."""
    if scores.size == 0 or k <= 0:
        return np.empty(0, dtype=np.int64)
    k = min(k, scores.size)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")].astype(np.int64)
