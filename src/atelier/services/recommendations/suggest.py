"""LoRA suggestions: LoRAs behind the images a person engages with, LoRAs like their taste,
LoRAs used together with theirs, and collaborative signals; compatible with their base models.

Every LoRA the viewer may see is scored cheaply; the best few hundred are then explained,
blended and spread over creators.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from atelier.recommend.blend import Signal, blend, minmax
from atelier.recommend.diversity import GroupCap
from atelier.recommend.graph import co_used_loras
from atelier.services.recommendations.catalog import RecCatalog
from atelier.services.recommendations.config import RecommendConfig
from atelier.services.recommendations.evidence import Evidence, Person
from atelier.services.recommendations.feed import Ranked, popular_rows
from atelier.services.recommendations.signals import (
    Namebook,
    SignalSet,
    collaborative_signal,
    content_signals,
    preference_signals,
    render_page,
    serve_page,
)

SHORTLIST = 300


def compatible(catalog: RecCatalog, base_models: tuple[str, ...]) -> NDArray[np.bool_] | None:
    """LoRA rows with a version for one of these base models (None: no preference)."""
    codes = catalog.base_model_codes(list(base_models))
    if not codes:
        return None
    return np.asarray(catalog.snapshot.loras.base_models[:, codes].sum(axis=1)).ravel() > 0


def allowed_loras(
    catalog: RecCatalog, person: Person, evidence: Evidence, limit: int
) -> NDArray[np.bool_]:
    """Visible, not saved, liked, disliked, hidden or over-shown; compatible with the person's
    base models unless that would leave fewer than a page."""
    ok = catalog.lora_mask(person.visibility).copy()
    ok[evidence.excluded_rows(catalog, "loras")] = False
    fits = compatible(catalog, person.base_models)
    if fits is not None and int((ok & fits).sum()) >= limit:
        ok &= fits
    return ok


def _co_used(
    catalog: RecCatalog, evidence: Evidence
) -> tuple[NDArray[np.float32], NDArray[np.int64], NDArray[np.int32]]:
    engaged = evidence.items[(evidence.items >= catalog.n_images) & (evidence.confidence > 0)]
    engaged = engaged - catalog.n_images
    # Co-occurrence only happens in images that use an engaged LoRA.
    rows = np.unique(catalog.links_csc[:, engaged].indices)
    graph = co_used_loras(catalog.links[rows], engaged, uses=catalog.lora_uses)
    return graph.scores, graph.ref_ids, graph.counts


def popular_weight(catalog: RecCatalog, evidence: Evidence, config: RecommendConfig) -> float:
    """Popularity's weight in the LoRA blend: full while a person has liked no images, then
    giving way to the image->LoRA graph as liked images accumulate."""
    fade = evidence.image_factor(config.lora_popular_fade, catalog.n_images)
    return config.lora_weights.popular * fade


def shortlist(
    catalog: RecCatalog,
    person: Person,
    evidence: Evidence,
    config: RecommendConfig,
    rows: NDArray[np.int64],
    co_scores: NDArray[np.float32],
    popular: float,
) -> NDArray[np.int64]:
    """The best rows by a cheap weighted sum of the signals (popularity at weight `popular`),
    before explaining them."""
    weights = config.lora_weights
    loras = catalog.snapshot.loras
    total = popular * minmax(loras.popularity[rows])
    total += weights.graph * minmax(evidence.lora_evidence.scores[rows])
    total += weights.co_used * minmax(co_scores[rows])
    profile = person.profile
    if profile is not None and profile.positive is not None:
        # Scoring every LoRA and then picking rows beats gathering their vectors (a copy of
        # most of the matrix) first.
        content = catalog.vectors.lora_matrix @ profile.positive
        total += weights.content * minmax(content[rows])
    model = evidence.model
    if model is not None and evidence.cf_row is not None and evidence.cf_row.nnz:
        _, lora_cols = model.columns(catalog)
        cf = np.nan_to_num(
            model.scores(evidence.cf_row, lora_cols[rows], evidence.cf_user), nan=0.0
        )
        total += weights.collaborative * minmax(cf)
    codes = catalog.tag_rows(list(person.liked_tags))
    if codes:
        declared = weights.tags * evidence.declared_factor(config.declared_fade)
        specific = np.asarray(loras.tags[rows][:, codes] @ catalog.lora_tag_idf[codes]).ravel()
        total += declared * minmax(specific)
    if rows.size <= SHORTLIST:
        return rows
    return rows[np.argpartition(-total, SHORTLIST - 1)[:SHORTLIST]]


def rank_loras(
    catalog: RecCatalog,
    person: Person,
    evidence: Evidence,
    config: RecommendConfig,
    book: Namebook,
    *,
    limit: int,
    seed: int = 0,
) -> Ranked:
    """One page of LoRA suggestions for this person."""
    ok = allowed_loras(catalog, person, evidence, limit)
    every = np.flatnonzero(ok).astype(np.int64)
    if every.size == 0:
        return Ranked([], 0.0)
    co_scores, co_refs, co_counts = _co_used(catalog, evidence)
    popular = popular_weight(catalog, evidence, config)
    best = shortlist(catalog, person, evidence, config, every, co_scores, popular)
    rng = np.random.default_rng(seed)
    tail = popular_rows(catalog.lora_popular_order, ok, 0, 1000)
    tail = tail[~np.isin(tail, best)]
    explore = rng.choice(tail, size=min(tail.size, 2 * limit), replace=False) if tail.size else tail
    rows = np.unique(np.concatenate([best, explore])).astype(np.int64)
    wild = np.isin(rows, explore)

    weights = config.lora_weights
    loras = catalog.snapshot.loras
    vectors = catalog.vectors.loras(rows)
    signals = SignalSet.empty()
    lora_evidence = evidence.lora_evidence
    signals.add(
        Signal(
            "lora_graph",
            lora_evidence.scores[rows],
            weight=weights.graph,
            counts=lora_evidence.counts[rows],
            actions=lora_evidence.kinds[rows],
        )
    )
    content_signals(signals, person.profile, vectors, weights.content, book)
    signals.add(
        Signal(
            "co_used",
            co_scores[rows],
            weight=weights.co_used,
            ref_ids=co_refs[rows],
            counts=co_counts[rows],
            ref_names=book.loras,
        ),
        "lora",
    )
    if evidence.model is not None:
        _, lora_cols = evidence.model.columns(catalog)
        collaborative_signal(
            signals, catalog, evidence, lora_cols[rows], weights.collaborative, book
        )
    preference_signals(
        signals,
        catalog,
        loras.tags[rows],
        loras.base_models[rows],
        person.liked_tags,
        person.base_models,
        weights.tags * evidence.declared_factor(config.declared_fade),
        weights.base_model * evidence.declared_factor(config.declared_fade),
        catalog.lora_tag_idf,
    )
    signals.add(Signal("popular", loras.popularity[rows], weight=popular))
    signals.add(
        Signal(
            "explore",
            evidence.impressions(rows + catalog.n_images),
            weight=-config.impression_penalty,
        )
    )
    signals = signals.only(config.strategy)
    blended = blend(signals.signals)
    creators = catalog.lora_creator[rows]
    page = serve_page(
        blended,
        vectors,
        limit,
        config,
        caps=[GroupCap(creators, max(2, math.ceil(limit * 0.2)), "creator")],
        explore_mask=wild,
        prior=loras.popularity[rows],
        epsilon=config.explore_share if person.has_taste else config.explore_share / 2,
        seed=seed,
    )
    picks = render_page(blended, signals.spaces, page.order, page.explore, rows, "lora", book)
    return Ranked(picks, page.explore_share)
