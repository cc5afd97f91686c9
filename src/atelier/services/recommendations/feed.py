"""The image feed: candidates from every source, blended signals, a diverse page with reasons.

Candidates come from the content profile (nearest images to what the person liked), the LoRAs
they favour (images made with them), the collaborative model, their declared tags, what is
popular, and an exploration pool from the long tail. Everything is filtered by the viewer's
visibility mask first, so a blocked tag or a level above theirs can never be ranked at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from atelier.recommend.blend import Signal, blend
from atelier.recommend.diversity import GroupCap
from atelier.recommend.graph import images_from_loras
from atelier.services.recommendations.catalog import UNFILTERED_SEARCH_SHARE, RecCatalog
from atelier.services.recommendations.collaborative import TrainedModel
from atelier.services.recommendations.config import RecommendConfig
from atelier.services.recommendations.evidence import Evidence, Person
from atelier.services.recommendations.signals import (
    Namebook,
    Pick,
    SignalSet,
    collaborative_signal,
    content_signals,
    preference_signals,
    render_page,
    serve_page,
)

# How many favoured LoRAs feed candidates, and how deep into the popular list exploration digs.
GRAPH_LORAS = 20
EXPLORE_DEPTH = 3000
# Images carrying a person's tags come at most this many per creator, from at most this many
# times the source's share deep: a creator's whole series carries the same tags, so the best
# tag matches are otherwise a handful of creators, every page.
TAG_IMAGES_PER_CREATOR = 5
TAG_DEPTH_FACTOR = 10


@dataclass(frozen=True)
class Ranked:
    """A page of picks and the share of it given to exploration."""

    picks: list[Pick]
    explore_share: float


def _best_positions(scores: NDArray[np.floating], k: int) -> NDArray[np.int64]:
    """Positions of the k highest positive scores, in no particular order."""
    at = np.flatnonzero(scores > 0)
    if at.size > k:
        at = at[np.argpartition(-scores[at], k - 1)[:k]]
    return at


def top_rows(scores: NDArray[np.floating], rows: NDArray[np.int64], k: int) -> NDArray[np.int64]:
    """The k rows with the highest positive scores."""
    return rows[_best_positions(scores, k)]


def spread_rows(
    scores: NDArray[np.floating],
    rows: NDArray[np.int64],
    groups: NDArray[np.integer],
    k: int,
    per_group: int,
    depth: int,
) -> NDArray[np.int64]:
    """The k best rows by positive score with at most `per_group` from any one group (a
    negative group is no group), among the `depth` best; best first."""
    at = _best_positions(scores, depth)
    at = at[np.argsort(-scores[at], kind="stable")]
    best, owners = rows[at], groups[at].astype(np.int64)
    # Rank of each row within its group, in score order.
    by_group = np.argsort(owners, kind="stable")
    sorted_owners = owners[by_group]
    starts = np.flatnonzero(np.r_[True, sorted_owners[1:] != sorted_owners[:-1]])
    sizes = np.diff(np.r_[starts, sorted_owners.size])
    within = np.empty(best.size, np.int64)
    within[by_group] = np.arange(best.size) - np.repeat(starts, sizes)
    return best[(within < per_group) | (owners < 0)][:k]


def popular_rows(
    order: NDArray[np.int64], ok: NDArray[np.bool_], start: int, stop: int
) -> NDArray[np.int64]:
    """Allowed rows at popularity ranks [start, stop)."""
    # Walk the ranking in growing chunks: filtering the whole of it costs O(catalog).
    chunk = max(4 * stop, 4096)
    while True:
        head = order[:chunk]
        allowed = head[ok[head]]
        if allowed.size >= stop or chunk >= order.size:
            return allowed[start:stop]
        chunk *= 4


def image_candidates(
    catalog: RecCatalog,
    person: Person,
    evidence: Evidence,
    config: RecommendConfig,
    ok: NDArray[np.bool_],
    rng: np.random.Generator,
    limit: int,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Candidate rows (all allowed by `ok`) and which came only from the exploration pool."""
    k = config.candidates_per_source
    _mask, allowed = catalog.image_mask(person.visibility)
    personal: list[NDArray[np.int64]] = []

    queries = _content_queries(catalog, person, evidence)
    if queries.shape[0]:
        # Liked items are their own nearest neighbours and are excluded, so ask for more.
        extra = min(int(evidence.excluded.shape[0]), k)
        per_query = max(k // 4, 2 * k // queries.shape[0])
        personal.append(
            catalog.search_images(
                queries, per_query + extra, allowed, ok, effort=config.candidate_search_effort
            )
        )

    favoured = np.flatnonzero(evidence.favour > 0)
    if favoured.size:
        best = favoured[np.argsort(-evidence.favour[favoured], kind="stable")][:GRAPH_LORAS]
        rows = np.unique(catalog.links_csc[:, best].tocoo().row).astype(np.int64)
        rows = rows[ok[rows]]
        scores = np.asarray(catalog.links[rows] @ evidence.favour).ravel()
        personal.append(top_rows(scores, rows, k))

    if evidence.model is not None and evidence.cf_row is not None and evidence.cf_row.nnz:
        personal.append(collaborative_candidates(catalog, evidence.model, evidence, config, ok))

    if person.liked_tags:
        personal.append(tag_candidates(catalog, person.liked_tags, ok, k))

    ranked = popular_rows(catalog.image_popular_order, ok, 0, k + EXPLORE_DEPTH)
    popular, tail = ranked[:k], ranked[k:]
    explore = rng.choice(tail, size=min(tail.size, 3 * limit), replace=False) if tail.size else tail
    mine = np.unique(np.concatenate([*personal, popular])) if personal else popular
    mine = mine[ok[mine]]
    everything = np.unique(np.concatenate([mine, explore]))
    wild = ~np.isin(everything, mine)
    return everything.astype(np.int64), wild


def tag_candidates(
    catalog: RecCatalog, tags: tuple[str, ...], ok: NDArray[np.bool_], k: int
) -> NDArray[np.int64]:
    """Up to k allowed image rows carrying the tags, the most specific tags first, at most
    `TAG_IMAGES_PER_CREATOR` from one creator."""
    codes = catalog.tag_rows(list(tags))
    if not codes:
        return np.zeros(0, np.int64)
    specific = catalog.tag_specificity(codes)
    tagged = np.flatnonzero((specific > 0) & ok)
    # Popularity (a few units at most) orders images of equally specific tags.
    key = specific[tagged] + 0.01 * catalog.snapshot.images.popularity[tagged]
    creators = catalog.image_creator[tagged]
    return spread_rows(key, tagged, creators, k, TAG_IMAGES_PER_CREATOR, TAG_DEPTH_FACTOR * k)


def collaborative_candidates(
    catalog: RecCatalog,
    model: TrainedModel,
    evidence: Evidence,
    config: RecommendConfig,
    ok: NDArray[np.bool_],
) -> NDArray[np.int64]:
    """The allowed image rows the collaborative model scores highest for this person."""
    k = config.candidates_per_source
    image_cols, _ = model.columns(catalog)
    share = np.count_nonzero(ok) / max(ok.size, 1)
    retriever = model.image_retriever(config.cf_index_min_images)
    user = evidence.cf_user
    # A narrow filter leaves few rows to score, and would need a deep search to fill k.
    if retriever is not None and user is not None and share >= UNFILTERED_SEARCH_SHARE:
        found = retriever.search(user, math.ceil(2 * k / share), config.candidate_search_effort)
        rows = catalog.snapshot.images.rows_of(model.image_ids[found])
        # Rows gone from the catalog (-1) and rows the filter refuses drop out together.
        keep = (rows >= 0) & ok[np.maximum(rows, 0)]
        return top_rows(model.factor_scores(user, found[keep]), rows[keep], k)
    rows = np.flatnonzero(ok & (image_cols >= 0))
    scores = model.scores(evidence.cf_row, image_cols[rows], evidence.cf_user)
    return top_rows(np.nan_to_num(scores, nan=0.0), rows, k)


def _content_queries(
    catalog: RecCatalog, person: Person, evidence: Evidence
) -> NDArray[np.float32]:
    """The profile's direction, the person's strongest items (a blend of two tastes points at
    neither), and the centre of the LoRAs carrying their liked tags."""
    queries: list[NDArray[np.float32]] = []
    profile = person.profile
    if profile is not None and profile.positive is not None:
        queries.append(profile.positive)
        top = evidence.top_items[:3]
        images = top[top < catalog.n_images]
        loras = top[top >= catalog.n_images] - catalog.n_images
        for vectors in (catalog.vectors.images(images), catalog.vectors.loras(loras)):
            queries.extend(v for v in vectors if v.any())
    codes = catalog.tag_rows(list(person.liked_tags))
    if codes:
        weight = np.asarray(
            catalog.snapshot.loras.tags[:, codes] @ catalog.lora_tag_idf[codes]
        ).ravel()
        centre = weight @ catalog.vectors.lora_matrix
        if np.linalg.norm(centre) > 0:
            queries.append((centre / np.linalg.norm(centre)).astype(np.float32))
    if not queries:
        return np.zeros((0, catalog.vectors.dim), np.float32)
    return np.vstack(queries).astype(np.float32)


def _caps(
    catalog: RecCatalog,
    evidence: Evidence,
    rows: NDArray[np.int64],
    k: int,
    config: RecommendConfig,
) -> list[GroupCap]:
    """Per-LoRA and per-creator caps; LoRAs the person clearly favours (and their creators)
    may fill a larger share of the page, so a LoRA fan is not starved of their LoRA."""
    lora_cap = max(config.per_lora_cap, math.ceil(k * 0.15))
    creator_cap = max(config.per_creator_cap, math.ceil(k * 0.2))
    favoured_cap = max(lora_cap, math.ceil(k * config.favoured_share))
    # The LoRAs that clearly lead the person's favour: any engagement with one of the
    # strongest counts, so a LoRA fan's second page already leans towards it.
    top = float(evidence.favour.max(initial=0.0))
    favoured = (evidence.favour > 0) & (evidence.favour >= 0.5 * top)
    members = sp.csr_matrix(catalog.links[rows], dtype=np.float32)
    members.data[:] = 1.0
    caps = [GroupCap(members[:, np.flatnonzero(~favoured)], lora_cap, "lora")]
    creators = catalog.image_creator[rows]
    fav_creators = np.unique(catalog.lora_creator[favoured])
    fav_creators = fav_creators[fav_creators >= 0]
    is_fav = np.isin(creators, fav_creators)
    caps.append(GroupCap(np.where(is_fav, -1, creators), creator_cap, "creator"))
    if favoured.any():
        caps.append(GroupCap(members[:, np.flatnonzero(favoured)], favoured_cap, "favoured lora"))
        caps.append(GroupCap(np.where(is_fav, creators, -1), favoured_cap, "favoured creator"))
    return caps


def rank_images(
    catalog: RecCatalog,
    person: Person,
    evidence: Evidence,
    config: RecommendConfig,
    book: Namebook,
    *,
    limit: int,
    skip: NDArray[np.int64] | None = None,
    seed: int = 0,
) -> Ranked:
    """One page of the image feed for this person."""
    mask, _allowed = catalog.image_mask(person.visibility)
    ok = mask.copy()
    ok[evidence.excluded_rows(catalog, "images")] = False
    if skip is not None and skip.size:
        ok[skip] = False
    rng = np.random.default_rng(seed)
    rows, wild = image_candidates(catalog, person, evidence, config, ok, rng, limit)
    if rows.size == 0:
        return Ranked([], 0.0)
    weights = config.weights
    vectors = catalog.vectors.images(rows)
    images = catalog.snapshot.images
    signals = SignalSet.empty()
    content_signals(signals, person.profile, vectors, weights.content, book)
    if evidence.model is not None:
        image_cols, _ = evidence.model.columns(catalog)
        collaborative_signal(
            signals, catalog, evidence, image_cols[rows], weights.collaborative, book
        )
    if (evidence.favour != 0).any():
        graph = images_from_loras(catalog.links[rows], evidence.favour)
        ref = np.maximum(graph.ref_ids, 0)
        has_ref = graph.ref_ids >= 0
        direct = evidence.direct[ref] & has_ref
        signals.add(
            Signal(
                "lora_graph",
                graph.scores,
                weight=weights.graph,
                ref_ids=graph.ref_ids,
                counts=np.where(direct | ~has_ref, 0, evidence.lora_evidence.counts[ref]),
                actions=np.where(
                    direct, evidence.direct_kind[ref], evidence.lora_evidence.kinds[ref]
                ),
                ref_names=book.loras,
            ),
            "lora",
        )
    preference_signals(
        signals,
        catalog,
        images.tags[rows],
        images.base_models[rows],
        person.liked_tags,
        person.base_models,
        weights.tags * evidence.declared_factor(config.declared_fade),
        weights.base_model * evidence.declared_factor(config.declared_fade),
        catalog.image_tag_idf,
    )
    signals.add(Signal("popular", images.popularity[rows], weight=weights.popular))
    signals.add(Signal("explore", evidence.impressions(rows), weight=-config.impression_penalty))
    signals = signals.only(config.strategy)
    blended = blend(signals.signals)
    # Exploration is for items the person's taste does not already reach.
    epsilon = config.explore_share if person.has_taste else config.explore_share / 2
    page = serve_page(
        blended,
        vectors,
        limit,
        config,
        caps=_caps(catalog, evidence, rows, limit, config),
        explore_mask=wild,
        prior=images.popularity[rows],
        epsilon=epsilon,
        seed=seed,
    )
    picks = render_page(blended, signals.spaces, page.order, page.explore, rows, "image", book)
    return Ranked(picks, page.explore_share)
