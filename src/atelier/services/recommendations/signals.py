"""Signals shared by the feed and LoRA suggestions, and turning a ranked page into reasons.

Each signal is a score per candidate plus what its reason would point at. A reason's reference
lives in one of two spaces (the item space, or LoRA rows); `Page` translates it to a Civitai id
and looks display names up only for the items actually shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from atelier.recommend.blend import Blended, Signal
from atelier.recommend.diversity import GroupCap, Reranked, mmr_rerank
from atelier.recommend.profile import ContentProfile
from atelier.recommend.reasons import Reason, make_reason
from atelier.services.recommendations.catalog import RecCatalog
from atelier.services.recommendations.config import RecommendConfig
from atelier.services.recommendations.evidence import Evidence

Space = Literal["item", "lora", "none"]
ImageNamer = Callable[[list[int]], dict[int, str]]


class Namebook:
    """Names by reference, filled lazily (the dicts are shared with the signals)."""

    def __init__(self, catalog: RecCatalog, image_names: ImageNamer) -> None:
        self.catalog = catalog
        self.image_names = image_names
        self.items: dict[int, str] = {}
        self.loras: dict[int, str] = {}

    def fill(self, items: set[int], lora_rows: set[int]) -> None:
        n_images = self.catalog.n_images
        for row in lora_rows:
            self.loras[row] = self.catalog.lora_names[row]
        image_items = [i for i in items if i < n_images]
        for i in items:
            if i >= n_images:
                self.items[i] = self.catalog.lora_names[i - n_images]
        if image_items:
            ids = self.catalog.image_ids[np.asarray(image_items)]
            found = self.image_names([int(x) for x in ids])
            for item, image_id in zip(image_items, ids.tolist(), strict=True):
                self.items[item] = found.get(int(image_id), f"image {image_id}")


@dataclass
class SignalSet:
    """Signals in blend order with the space of each one's references."""

    signals: list[Signal]
    spaces: list[Space]

    @classmethod
    def empty(cls) -> SignalSet:
        return cls([], [])

    def add(self, signal: Signal, space: Space = "none") -> None:
        if signal.weight != 0:
            self.signals.append(signal)
            self.spaces.append(space)

    def only(self, strategy: str) -> SignalSet:
        """The signals a baseline strategy serves ("blend": all of them)."""
        if strategy == "blend":
            return self
        out = SignalSet.empty()
        for signal, space in zip(self.signals, self.spaces, strict=True):
            if signal.kind == strategy:
                out.add(signal, space)
            elif signal.kind == "popular" and strategy == "collaborative":
                # Only orders what the model cannot tell apart (a person with no history).
                out.add(replace(signal, weight=1e-3), space)
        if not out.signals:
            out.add(Signal("popular", np.zeros_like(self.signals[0].scores), weight=1.0))
        return out


def serve_page(
    blended: Blended,
    vectors: NDArray[np.float32],
    limit: int,
    config: RecommendConfig,
    *,
    caps: list[GroupCap],
    explore_mask: NDArray[np.bool_],
    prior: NDArray[np.float32],
    epsilon: float,
    seed: int,
) -> Reranked:
    """The page: MMR with caps and exploration, or the blended order when re-ranking is off."""
    if not config.rerank:
        order = blended.order()[:limit]
        return Reranked(order, np.zeros(order.shape[0], bool))
    return mmr_rerank(
        blended.scores,
        vectors,
        k=limit,
        lambda_=config.mmr_lambda,
        caps=caps,
        max_similarity=config.near_duplicate,
        explore_mask=explore_mask,
        prior=prior,
        epsilon=epsilon,
        seed=seed,
        shortlist=config.mmr_shortlist,
    )


def content_signals(
    out: SignalSet,
    profile: ContentProfile | None,
    vectors: NDArray[np.float32],
    weight: float,
    book: Namebook,
) -> NDArray[np.float32]:
    """Closeness to what the person liked (explained by the item that pulled most), and a
    penalty for closeness to what they pushed away (which never names a reason).

    Returns the net content score, for callers that rank without blending.
    """
    net = np.zeros(vectors.shape[0], np.float32)
    if profile is None or profile.is_empty or vectors.shape[0] == 0:
        return net
    positive, negative = profile.positive, profile.negative
    if positive is not None:
        pos = vectors @ positive
        net += pos
        explanation = profile.explain(vectors)
        out.add(
            Signal(
                "liked_similar",
                pos,
                weight=weight,
                ref_ids=explanation.ref_item_ids,
                actions=explanation.kinds,
                ref_names=book.items,
            ),
            "item",
        )
    if negative is not None:
        neg = vectors @ negative
        net -= profile.negative_lambda * neg
        # A negative weight: it lowers scores but can never be the largest contribution.
        out.add(Signal("liked_similar", neg, weight=-weight * profile.negative_lambda))
        # Near-duplicates of a pushed-away item go down hard; the cube keeps the penalty on
        # the close neighbours instead of spreading it over everything on the same theme.
        near = profile.nearest_negative(vectors) ** 3
        net -= near
        out.add(Signal("liked_similar", near, weight=-weight))
    return net


def collaborative_signal(
    out: SignalSet,
    catalog: RecCatalog,
    evidence: Evidence,
    columns: NDArray[np.int64],
    weight: float,
    book: Namebook,
) -> None:
    """The collaborative model's scores; the reason names one of the person's items that
    other people engaged with together with the candidate, when there is one."""
    model = evidence.model
    if model is None or evidence.cf_row is None or evidence.cf_row.nnz == 0:
        return
    scores = model.scores(evidence.cf_row, columns, evidence.cf_user)
    refs = evidence.top_items
    ref_ids = np.full(columns.shape[0], -1, np.int64)
    counts = np.zeros(columns.shape[0], np.int32)
    if refs.size:
        co = model.co_engaged(model.item_columns(catalog, refs), columns)
        best = np.argmax(co, axis=0)
        count = co[best, np.arange(columns.shape[0])]
        # Two people at least: the person themselves may be one of those counted.
        has = count >= 2
        ref_ids = np.where(has, refs[best], -1)
        counts = np.where(has, count, 0).astype(np.int32)
    out.add(
        Signal(
            "collaborative",
            np.nan_to_num(scores, nan=0.0),
            weight=weight,
            ref_ids=ref_ids,
            counts=counts,
            ref_names=book.items,
        ),
        "item",
    )


def best_match(
    membership: sp.csr_matrix,
    codes: Sequence[int],
    names: Sequence[str],
    weights: NDArray[np.float32] | None = None,
) -> tuple[NDArray[np.float32], list[str | None]]:
    """Per row: the summed weight of the `codes` it has (1 each without weights), and the
    name of the heaviest one it has (ties: first in `codes` order)."""
    n = membership.shape[0]
    if not codes:
        return np.zeros(n, np.float32), [None] * n
    w = np.ones(len(codes), np.float32) if weights is None else weights[list(codes)]
    dense = np.asarray(membership[:, list(codes)].toarray() > 0) * w[None, :]
    scores = dense.sum(axis=1).astype(np.float32)
    best = np.argmax(dense, axis=1)
    labels: list[str | None] = [names[int(best[i])] if scores[i] > 0 else None for i in range(n)]
    return scores, labels


def preference_signals(
    out: SignalSet,
    catalog: RecCatalog,
    tags: sp.csr_matrix,
    bases: sp.csr_matrix,
    liked_tags: Sequence[str],
    base_models: Sequence[str],
    tag_weight: float,
    base_weight: float,
    tag_idf: NDArray[np.float32] | None = None,
) -> None:
    """Matches of the person's declared tags and base models (exact, so the reason is true).

    Tags count by their rarity (`tag_idf`): a pick of "watercolor" next to "style" should
    steer the feed towards watercolor, and the reason names the most specific tag matched.
    """
    known_tags = [t for t in liked_tags if t in catalog.snapshot.tag_vocabulary.codes]
    if known_tags:
        scores, labels = best_match(tags, catalog.tag_rows(known_tags), known_tags, tag_idf)
        out.add(Signal("tag_match", scores, weight=tag_weight, tags=labels))
    known_bases = [b for b in base_models if b in catalog.snapshot.base_model_vocabulary.codes]
    if known_bases:
        scores, labels = best_match(bases, catalog.base_model_codes(known_bases), known_bases)
        out.add(Signal("base_model", scores, weight=base_weight, tags=labels))


@dataclass(frozen=True)
class Pick:
    """One recommended item with its reason (reference translated to a Civitai id)."""

    kind: Literal["image", "lora"]
    row: int
    item_id: int
    score: float
    reason: Reason
    ref_type: Literal["image", "lora"] | None
    explore: bool


def render_page(
    blended: Blended,
    spaces: Sequence[Space],
    order: NDArray[np.int64],
    explore: NDArray[np.bool_],
    rows: NDArray[np.int64],
    kind: Literal["image", "lora"],
    book: Namebook,
) -> list[Pick]:
    """Picks for the chosen candidate indices, each with the reason of its strongest signal."""
    catalog = book.catalog
    need: dict[Space, set[int]] = {"item": set(), "lora": set(), "none": set()}
    for i, wild in zip(order.tolist(), explore.tolist(), strict=True):
        top = int(blended.top_signal[i])
        if wild or top < 0:
            continue
        ref_ids = blended.signals[top].ref_ids
        if ref_ids is not None and int(ref_ids[i]) >= 0:
            need[spaces[top]].add(int(ref_ids[i]))
    book.fill(need["item"], need["lora"])

    ids = catalog.image_ids if kind == "image" else catalog.lora_ids
    picks = []
    for i, wild in zip(order.tolist(), explore.tolist(), strict=True):
        top = int(blended.top_signal[i])
        reason = make_reason("explore") if wild else blended.reason(i)
        ref_type: Literal["image", "lora"] | None = None
        if not wild and top >= 0 and reason.ref_item_id is not None:
            reason, ref_type = _translated(reason, spaces[top], catalog)
        picks.append(
            Pick(
                kind=kind,
                row=int(rows[i]),
                item_id=int(ids[rows[i]]),
                score=round(float(blended.scores[i]), 6),
                reason=reason,
                ref_type=ref_type,
                explore=bool(wild),
            )
        )
    return picks


def _translated(
    reason: Reason, space: Space, catalog: RecCatalog
) -> tuple[Reason, Literal["image", "lora"] | None]:
    ref = reason.ref_item_id
    assert ref is not None
    if space == "lora":
        return replace(reason, ref_item_id=int(catalog.lora_ids[ref])), "lora"
    if space == "item":
        if ref < catalog.n_images:
            return replace(reason, ref_item_id=int(catalog.image_ids[ref])), "image"
        return replace(reason, ref_item_id=int(catalog.lora_ids[ref - catalog.n_images])), "lora"
    return replace(reason, ref_item_id=None), None
