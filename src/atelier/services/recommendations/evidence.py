"""What a person's history says, computed once per request: confidences, favoured LoRAs,
exclusions and their row for the collaborative model."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from atelier.recommend.events import DEFAULT_WEIGHTS, Kind, aggregate_user, excluded_items
from atelier.recommend.graph import LoraEvidence, loras_from_images
from atelier.recommend.profile import ContentProfile
from atelier.services.recommendations.catalog import RecCatalog
from atelier.services.recommendations.collaborative import TrainedModel
from atelier.services.recommendations.config import RecommendConfig
from atelier.services.recommendations.history import History
from atelier.services.visibility import Visibility

TASTE_WEIGHTS = MappingProxyType({**DEFAULT_WEIGHTS, Kind.VIEW: 0.0})
# Saving or liking a LoRA itself says more about it than one image made with it.
DIRECT_LORA_WEIGHT = 2.0
# How many of the person's strongest items seed content search and name collaborative reasons.
TOP_ITEMS = 20


@dataclass(frozen=True, eq=False)
class Person:
    """The viewer as ranking sees them; anonymous viewers have no id and no history."""

    visibility: Visibility
    liked_tags: tuple[str, ...] = ()
    base_models: tuple[str, ...] = ()
    history: History = field(default_factory=History.empty)
    profile: ContentProfile | None = None
    user_id: int | None = None

    @property
    def has_taste(self) -> bool:
        return bool(self.liked_tags or self.base_models or len(self.history.taste()))


@dataclass(frozen=True, eq=False)
class Evidence:
    """Per-request arrays derived from the history (item-space indexes unless named rows)."""

    items: NDArray[np.int64]
    confidence: NDArray[np.float32]
    top_kind: NDArray[np.int8]
    excluded: NDArray[np.int64]
    lora_evidence: LoraEvidence
    # Per LoRA row: how much the person favours it (signed), and whether that comes mostly
    # from the LoRA itself (saved, liked) rather than from images made with it.
    favour: NDArray[np.float32]
    direct: NDArray[np.bool_]
    direct_kind: NDArray[np.int8]
    model: TrainedModel | None
    cf_row: Any
    top_items: NDArray[np.int64]
    # The cf_row folded in once per request (None: no row, or a model without fold-in).
    cf_user: NDArray[np.float32] | None = None
    # Items served without a click, like or save, and how often (sorted by item).
    shown_items: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    shown_counts: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    # Share of the positively engaged images that carry one of the declared tags.
    declared_support: float = 0.0

    def impressions(self, items: NDArray[np.int64]) -> NDArray[np.float32]:
        """Unanswered impressions of each item-space index."""
        if self.shown_items.size == 0:
            return np.zeros(items.shape[0], np.float32)
        pos = np.clip(np.searchsorted(self.shown_items, items), 0, self.shown_items.size - 1)
        hit = self.shown_items[pos] == items
        return np.where(hit, self.shown_counts[pos], 0).astype(np.float32)

    def excluded_rows(self, catalog: RecCatalog, kind: str) -> NDArray[np.int64]:
        """Excluded rows of one kind ("images" or "loras")."""
        if kind == "images":
            return self.excluded[self.excluded < catalog.n_images]
        return self.excluded[self.excluded >= catalog.n_images] - catalog.n_images

    @property
    def positive_items(self) -> NDArray[np.int64]:
        return self.items[self.confidence > 0]

    def image_factor(self, fade: float, n_images: int) -> float:
        """How much a prior still counts once the image->LoRA graph has liked images to go
        on: it fades with the positively engaged images."""
        return _faded(int(((self.items < n_images) & (self.confidence > 0)).sum()), fade)

    def declared_factor(self, fade: float) -> float:
        """How much declared tags and base models still count next to behaviour: they give
        way as likes accumulate, except as far as those likes carry the declared tags."""
        return max(_faded(int((self.confidence > 0).sum()), fade), self.declared_support)


def _faded(engaged: int, fade: float) -> float:
    """1 / (1 + engaged / fade): whole with nothing engaged, half at `fade` items."""
    return 1.0 / (1.0 + engaged / fade)


def gather_evidence(
    catalog: RecCatalog,
    person: Person,
    model: TrainedModel | None,
    config: RecommendConfig,
    now: float | None = None,
) -> Evidence:
    """Aggregate the history once for every signal of this request."""
    now = time.time() if now is None else now
    history = person.history
    taste = history.taste()
    agg = aggregate_user(
        taste.items,
        taste.kinds,
        taste.times,
        now=now,
        half_life_s=config.half_life_days * 86400.0,
        weights=TASTE_WEIGHTS,
    )
    items = agg.item_idx.astype(np.int64)
    confidence = agg.confidence
    excluded = excluded_items(
        history.items, history.kinds, history.times, max_views=config.max_impressions
    ).astype(np.int64)

    n_images = catalog.n_images
    is_image = items < n_images
    lora_evidence = loras_from_images(
        catalog.links, items[is_image], confidence[is_image], agg.top_kind[is_image]
    )
    direct_score = np.zeros(catalog.n_loras, np.float32)
    direct_kind = np.full(catalog.n_loras, -1, np.int8)
    lora_rows = items[~is_image] - n_images
    direct_score[lora_rows] = DIRECT_LORA_WEIGHT * confidence[~is_image]
    direct_kind[lora_rows] = agg.top_kind[~is_image]
    # Every LoRA behind a liked image gets credit, but a helper used in a tenth of the catalog
    # turns up in liked images by chance; weighed by specificity, the LoRA that really makes
    # the look the person likes leads their favour (and the feed) after a like or two.
    from_images = lora_evidence.scores * catalog.lora_specificity
    favour = (from_images + direct_score).astype(np.float32)
    direct = (direct_score > 0) & (direct_score >= from_images)

    order = np.argsort(-confidence, kind="stable")
    top_items = items[order][confidence[order] > 0][:TOP_ITEMS]

    views = history.items[history.kinds == Kind.VIEW]
    engaged = history.items[np.isin(history.kinds, [Kind.CLICK, Kind.LIKE, Kind.SAVE])]
    views = views[~np.isin(views, engaged)]
    shown_items, shown_counts = np.unique(views, return_counts=True)

    declared_support = 0.0
    codes = catalog.tag_rows(list(person.liked_tags))
    liked_images = items[is_image & (confidence > 0)]
    if codes and liked_images.size:
        carried = catalog.snapshot.images.tags[liked_images][:, codes].sum(axis=1)
        declared_support = float((np.asarray(carried).ravel() > 0).mean())

    cf_row = None
    if model is not None and len(items):
        cf_row = model.user_row(model.item_columns(catalog, items), confidence)
    return Evidence(
        items=items,
        confidence=confidence,
        top_kind=agg.top_kind,
        excluded=excluded,
        lora_evidence=lora_evidence,
        favour=favour,
        direct=direct,
        direct_kind=direct_kind,
        model=model,
        cf_row=cf_row,
        top_items=top_items,
        cf_user=model.user_vector(cf_row) if model is not None else None,
        shown_items=shown_items.astype(np.int64),
        shown_counts=shown_counts.astype(np.int64),
        declared_support=declared_support,
    )
