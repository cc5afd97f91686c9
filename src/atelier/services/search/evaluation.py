"""Offline evaluation of search on a held-out split of the catalog (`atelier eval search`).

Held out: images whose metadata names a catalog LoRA other than the model they are posted
under. Task A ranks LoRAs from such an image's prompt (its `<lora:>` tags and the target LoRAs'
trigger words removed) and asks whether the LoRAs it really used come up. Task B ranks images
from the prompt and asks whether images posted under the same version come up. Rankings are
computed once per query and signal, then fused under each weighting, so tuning is cheap.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import product

import numpy as np
from sqlalchemy import Connection, select

from atelier.db.models import Image, ImageResource, Model, ModelVersion
from atelier.ingest.refs import strip_prompt_tags
from atelier.services.search.fusion import FusionWeights
from atelier.services.search.service import MAX_QUERY_CHARS, VOTERS, Kind, SearchService
from atelier.services.search.snapshot import Filters
from atelier.services.visibility import Visibility

logger = logging.getLogger(__name__)
K = 10


@dataclass(frozen=True, slots=True)
class HeldOut:
    """One held-out image: its query text and what should be found."""

    image_id: int
    query: str
    posted_model: int
    posted_version: int
    target_loras: frozenset[int]
    same_version_images: frozenset[int]


@dataclass(slots=True)
class SignalRankings:
    """Per-signal rankings of one query, computed once."""

    loras: dict[str, list[int]] = field(default_factory=dict)
    images: dict[str, list[int]] = field(default_factory=dict)


def _bucket(image_id: int) -> int:
    return hashlib.blake2b(str(image_id).encode(), digest_size=2).digest()[0] % 10


def build_split(connection: Connection, *, max_level: int, part: str, size: int) -> list[HeldOut]:
    """The held-out images of one part ("tune": buckets 0-2, "test": buckets 3-9)."""
    buckets = {0, 1, 2} if part == "tune" else set(range(3, 10))
    links = connection.execute(
        select(ImageResource.image_id, ImageResource.model_id, ImageResource.posted,
               ImageResource.source, Image.posted_model_id, Image.posted_version_id,
               Image.prompt, Image.content_level, Model.is_lora, Model.content_level, Model.poi)
        .join(Image, Image.id == ImageResource.image_id)
        .join(Model, Model.id == ImageResource.model_id)
    ).all()  # fmt: skip
    targets: dict[int, set[int]] = defaultdict(set)
    info: dict[int, tuple[int, int, str]] = {}
    for row in links:
        image_id, model_id, _posted, source, posted_model, posted_version, prompt = row[:7]
        image_level, is_lora, model_level, poi = row[7:]
        if image_level > max_level or posted_model is None or posted_version is None:
            continue
        if not prompt or not prompt.strip():
            continue
        info[image_id] = (posted_model, posted_version, prompt)
        named = is_lora and source != "posted" and model_id != posted_model
        if named and model_level <= max_level and not poi:
            targets[image_id].add(model_id)
    by_version: dict[int, set[int]] = defaultdict(set)
    for image_id, version_id, level in connection.execute(
        select(Image.id, Image.posted_version_id, Image.content_level)
    ):
        if version_id is not None and level <= max_level:
            by_version[version_id].add(image_id)
    triggers: dict[int, list[str]] = defaultdict(list)
    for model_id, words in connection.execute(
        select(ModelVersion.model_id, ModelVersion.trained_words)
    ):
        triggers[model_id] += [w for w in words or [] if w.strip()]
    held: list[HeldOut] = []
    for image_id in sorted(targets):
        if _bucket(image_id) not in buckets:
            continue
        posted_model, posted_version, prompt = info[image_id]
        query = strip_prompt_tags(prompt)
        for target in targets[image_id]:
            for word in triggers.get(target, []):
                query = re.sub(re.escape(word), " ", query, flags=re.IGNORECASE)
        query = " ".join(query.split())
        if len(query) < 3:
            continue
        held.append(
            HeldOut(
                image_id=image_id,
                query=query[:MAX_QUERY_CHARS],
                posted_model=posted_model,
                posted_version=posted_version,
                target_loras=frozenset(targets[image_id]),
                same_version_images=frozenset(by_version[posted_version] - {image_id}),
            )
        )
    # A fixed, spread-out sample: every n-th image in id order.
    step = max(1, len(held) // size)
    return held[::step][:size]


def visible_targets(
    service: SearchService, split: Sequence[HeldOut], visibility: Visibility
) -> list[HeldOut]:
    """The split with task B's targets cut to the images this viewer may see.

    The split is drawn from the database by content level alone; a PG viewer also never sees
    images made with real-person models, so counting those as targets would score the search
    on images it must not return.
    """
    columns = service.snapshot.images
    visible = columns.ids[service.snapshot.mask("images", visibility, Filters())]
    shown = frozenset(visible.tolist())
    return [replace(item, same_version_images=item.same_version_images & shown) for item in split]


def signal_rankings(
    service: SearchService, item: HeldOut, visibility: Visibility, held_out_ids: frozenset[int]
) -> SignalRankings:
    """Keyword, vector and vote rankings for one held-out query.

    The votes come from the images the service would fuse for this setting, under the
    weights it holds now; only the final fusion is re-weighted while tuning.
    """
    weights = service.weights.for_level(visibility.max_level)
    vector = service.encode(item.query)
    result = SignalRankings()
    filters = Filters()
    lora_mask, lora_allowed = service.allowed("loras", visibility, filters)
    image_mask, image_allowed = service.allowed("images", visibility, filters)
    result.loras["keyword"] = service.keyword_ranking("loras", item.query, lora_mask)
    result.loras["vector"] = service.vector_ranking("loras", vector, lora_allowed)
    all_mask, all_allowed = service.allowed("images", VOTERS, filters)
    voters = service.image_ranking(item.query, all_mask, all_allowed, vector, weights)
    result.loras["image_votes"], _ = service.query_votes(
        item.query, voters, result.loras, lora_mask, held_out_ids
    )
    result.images["keyword"] = service.keyword_ranking("images", item.query, image_mask)
    result.images["vector"] = service.vector_ranking("images", vector, image_allowed)
    result.images["phrases"] = service.phrase_ranking(item.query, image_mask)
    return result


def _popularity(service: SearchService, kind: str, visibility: Visibility) -> list[int]:
    columns = service.snapshot.loras if kind == "loras" else service.snapshot.images
    mask = service.snapshot.mask(kind, visibility, Filters())
    rows = np.flatnonzero(mask)
    order = rows[np.argsort(-columns.popularity[rows], kind="stable")][:500]
    return [int(columns.ids[r]) for r in order]


@dataclass(frozen=True, slots=True)
class TaskScores:
    """Scores of one method on one task."""

    hit_at_10: float
    second: float  # MRR for task A, recall@20 for task B


def _task_a(rankings: Sequence[list[int]], split: Sequence[HeldOut]) -> TaskScores:
    hits, reciprocal = 0.0, 0.0
    for ranking, item in zip(rankings, split, strict=True):
        ranked = [i for i in ranking if i != item.posted_model]
        hits += any(i in item.target_loras for i in ranked[:K])
        for position, lora in enumerate(ranked[:100]):
            if lora in item.target_loras:
                reciprocal += 1.0 / (position + 1)
                break
    n = max(len(split), 1)
    return TaskScores(hits / n, reciprocal / n)


def _task_b(rankings: Sequence[list[int]], split: Sequence[HeldOut]) -> TaskScores:
    hits, recall, counted = 0.0, 0.0, 0
    for ranking, item in zip(rankings, split, strict=True):
        if not item.same_version_images:
            continue
        counted += 1
        ranked = [i for i in ranking if i != item.image_id]
        hits += any(i in item.same_version_images for i in ranked[:K])
        recall += len(set(ranked[:20]) & item.same_version_images) / min(
            20, len(item.same_version_images)
        )
    n = max(counted, 1)
    return TaskScores(hits / n, recall / n)


@dataclass(slots=True)
class Evaluation:
    """Every method's scores on both tasks for one setting, and the weights used."""

    setting: str
    queries: int
    task_a: dict[str, TaskScores]
    task_b: dict[str, TaskScores]
    weights: FusionWeights


# The grid `tune_weights` searches; vector stays 1.0, since only ratios matter to RRF.
KEYWORD_WEIGHTS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
VOTE_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
PHRASE_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0)
RRF_KS = (5.0, 10.0, 30.0, 60.0)


def tune_weights(
    service: SearchService, per_query: Sequence[SignalRankings], split: Sequence[HeldOut]
) -> FusionWeights:
    """The weighting with the best combined score of both tasks on the tuning split (hit@10,
    plus half of MRR or recall@20), each fused as the service fuses it (popularity prior
    included). Hit@10 alone is flat across much of the grid, so on 300 queries one or two
    hits decided between weightings that ranked very differently (task A's MRR fell from
    0.64 to 0.46 at the same hit@10); the rank-aware half settles those near ties.

    First keyword, votes and rrf_k on both tasks, then the phrase weight on task B alone (it
    enters only the image fusion). The keyword weight also fuses the voting images, which the
    rankings were computed with the service's current weights for; tuning phrases last keeps
    a low keyword weight, good for B's final fusion but bad for the voters, from being chosen
    for B's sake.
    """
    best: tuple[float, FusionWeights] | None = None
    for keyword, votes, rrf_k in product(KEYWORD_WEIGHTS, VOTE_WEIGHTS, RRF_KS):
        weights = FusionWeights(keyword=keyword, vector=1.0, image_votes=votes, rrf_k=rrf_k)
        score = _score(service, "loras", per_query, split, weights) + _score(
            service, "images", per_query, split, weights
        )
        if best is None or score > best[0]:
            best = (score, weights)
    assert best is not None
    chosen = best[1]
    # max keeps the first of equals: the smallest phrase weight.
    _best, phrases = max(
        (_score(service, "images", per_query, split, replace(chosen, phrases=w)), -w)
        for w in PHRASE_WEIGHTS
    )
    return replace(chosen, phrases=-phrases)


# How much the rank-aware metric (MRR for A, recall@20 for B) counts next to hit@10.
SECOND_METRIC_WEIGHT = 0.5


def _score(
    service: SearchService,
    kind: Kind,
    per_query: Sequence[SignalRankings],
    split: Sequence[HeldOut],
    weights: FusionWeights,
) -> float:
    """Task A's (kind "loras") or task B's ("images") tuning score under these weights."""
    ranked = [service.fused_order(kind, getattr(r, kind), weights) for r in per_query]
    scores = (_task_a if kind == "loras" else _task_b)(ranked, split)
    return scores.hit_at_10 + SECOND_METRIC_WEIGHT * scores.second


def evaluate(
    service: SearchService,
    split: Sequence[HeldOut],
    visibility: Visibility,
    weights: FusionWeights,
    setting: str,
    on_progress: Callable[[int], None] | None = None,
) -> Evaluation:
    """Score popularity, keyword-only, vector-only and hybrid on both tasks."""
    held_ids = frozenset(item.image_id for item in split)
    per_query = []
    for done, item in enumerate(split, 1):
        per_query.append(signal_rankings(service, item, visibility, held_ids))
        if on_progress is not None:
            on_progress(done)
    popular_loras = _popularity(service, "loras", visibility)
    popular_images = _popularity(service, "images", visibility)
    task_a = {
        "popularity": _task_a([popular_loras] * len(split), split),
        "keyword (BM25)": _task_a([r.loras["keyword"] for r in per_query], split),
        "vector": _task_a([r.loras["vector"] for r in per_query], split),
        "hybrid": _task_a(
            [service.fused_order("loras", r.loras, weights) for r in per_query], split
        ),
    }
    task_b = {
        "popularity": _task_b([popular_images] * len(split), split),
        "keyword (BM25)": _task_b([r.images["keyword"] for r in per_query], split),
        "vector": _task_b([r.images["vector"] for r in per_query], split),
        "phrases (BM25 over prompt phrases)": _task_b(
            [r.images["phrases"] for r in per_query], split
        ),
        "hybrid": _task_b(
            [service.fused_order("images", r.images, weights) for r in per_query], split
        ),
    }
    return Evaluation(setting, len(split), task_a, task_b, weights)


def rankings_for(
    service: SearchService, split: Sequence[HeldOut], visibility: Visibility
) -> list[SignalRankings]:
    """Signal rankings of every query of a split (for tuning)."""
    held_ids = frozenset(item.image_id for item in split)
    return [signal_rankings(service, item, visibility, held_ids) for item in split]
