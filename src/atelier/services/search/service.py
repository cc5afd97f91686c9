"""The search service: images and LoRAs for a query, similar items, and the LoRAs behind a look.

Built once per app (snapshot, embedder, indexes) and shared by the API and the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from atelier.db import fulltext
from atelier.db.models import Model
from atelier.embed.protocol import Embedder
from atelier.embed.texts import image_text
from atelier.index.filter import AllowedSet
from atelier.index.protocol import VectorIndex
from atelier.services.favorites import LoraCardCache
from atelier.services.lru import LruCache
from atelier.services.search.fusion import (
    Fused,
    FusedRanking,
    FusionWeights,
    TunedWeights,
    fuse,
    fuse_ranking,
    fused_ids,
    load_tuned_weights,
    top_k,
)
from atelier.services.search.keyword import PHRASE_KIND, KeywordIndex
from atelier.services.search.snapshot import CatalogSnapshot, Filters, ItemColumns
from atelier.services.visibility import Visibility

Kind = Literal["images", "loras"]
Sort = Literal["relevance", "newest", "popular"]
CANDIDATES = 300
# Longest query the search reads, in characters. Pasted prompts are the longest queries: 1,000
# characters holds 99% of the catalog's prompts whole (512 cut 12% of them, and with them task
# B's hit@10 by about a point; docs/benchmarks.md, search quality).
MAX_QUERY_CHARS = 1000
# Similar LoRAs: the weight of the keyword search for a LoRA's own name and tags next to its
# nearest vectors (1.0), and their RRF constant. Measured on 400 LoRAs with a trigger word few
# others have: a top 10 holding a LoRA with the same trigger word for 11% with vectors alone,
# 21% fused (docs/benchmarks.md, similar LoRAs).
SIMILAR_NAME_WEIGHT = 1.0
SIMILAR_RRF_K = 10.0
VOTING_IMAGES = 100
# Share of the vector index's tuned effort the voting images' search spends: the votes come
# from a hundred images, rank-weighted, so a few neighbours fewer hardly move a LoRA, and at
# 1M images that search is a third of a request (docs/benchmarks.md, search speed).
VOTER_SEARCH_EFFORT = 0.5
# A LoRA that a single voting image used is weak evidence: for "cyberpunk city at night with
# neon rain" the faces and outfits of whatever images matched the words filled the LoRA list.
# One vote counts when that image shares a whole phrase with the query (among the phrase
# ranking's first PHRASE_SUPPORT_DEPTH), or when the LoRA itself matches the words or the
# meaning. Task A did not move (docs/benchmarks.md, typed queries and lone votes).
LONE_VOTES_NEED_SUPPORT = 2
PHRASE_SUPPORT_DEPTH = 30
# Voting images come from every image, whatever the viewer may see (votes only rank LoRAs).
VOTERS = Visibility(3, frozenset(), True)
# faiss lets go of the GIL while it scans, so a query's second image search (the voters')
# runs in one of these threads, on the other core, while the request's thread does the first
# (the viewer's own images). At 1M images that is two thirds of a request's time.
_VOTER_THREADS = 2
_ALLOWED_CACHE = 128
_QUERY_CACHE = 256
_CARD_CACHE = 16384


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A parsed search: the text, which kinds, filters, sort and the page wanted."""

    query: str
    kinds: tuple[Kind, ...] = ("images", "loras")
    filters: Filters = field(default_factory=Filters)
    sort: Sort = "relevance"
    limit: int = 24
    # Where each kind's page starts: a cursor pages images and LoRAs independently.
    image_offset: int = 0
    lora_offset: int = 0

    def offset(self, kind: Kind) -> int:
        return self.image_offset if kind == "images" else self.lora_offset


@dataclass(frozen=True, slots=True)
class Hit:
    """One result with its score and which signals found it."""

    item_id: int
    score: float
    keyword_rank: int | None = None
    vector_rank: int | None = None
    vote_count: int = 0
    phrase_rank: int | None = None
    # Similar LoRAs only: rank among the LoRAs found by this LoRA's own name and tags.
    name_rank: int | None = None

    @property
    def why(self) -> str:
        parts = []
        if self.name_rank is not None:
            parts.append("shares its name or tags")
        if self.keyword_rank is not None:
            parts.append("matches your words")
        if self.vector_rank is not None:
            parts.append("similar in meaning")
        if self.phrase_rank is not None:
            parts.append("shares phrases with your prompt")
        if self.vote_count:
            plural = "s" if self.vote_count > 1 else ""
            parts.append(f"used in {self.vote_count} matching image{plural}")
        return ", ".join(parts) or "popular"


@dataclass(frozen=True, slots=True)
class HitPage:
    """A page of hits of one kind and whether more follow."""

    hits: list[Hit]
    total: int
    next_offset: int | None


class SearchService:
    """Hybrid keyword + vector search with exact filters over the catalog snapshot."""

    def __init__(
        self,
        engine: Engine,
        snapshot: CatalogSnapshot,
        embedder: Embedder | None,
        indexes: dict[str, VectorIndex] | None,
        weights: TunedWeights | FusionWeights | None = None,
        keyword: dict[str, KeywordIndex] | None = None,
    ) -> None:
        self.engine = engine
        # In-memory BM25 when `atelier index` saved it; otherwise the database's full text.
        self.keyword = keyword or {}
        self.snapshot = snapshot
        self.embedder = embedder
        self.indexes = indexes or {}
        if isinstance(weights, FusionWeights):
            weights = TunedWeights(weights, weights)
        self.weights = weights or load_tuned_weights()
        self._allowed: LruCache[tuple[NDArray[np.bool_], AllowedSet | None]] = LruCache(
            _ALLOWED_CACHE
        )
        self._vectors: LruCache[NDArray[np.float32]] = LruCache(_QUERY_CACHE)
        self._keyword: LruCache[NDArray[np.int64]] = LruCache(_QUERY_CACHE)
        # LoRA cards for result pages, shared with the recommender (it holds this service).
        self.lora_cards = LoraCardCache(_CARD_CACHE, self.first_showcase_images)
        self._voter_pool = ThreadPoolExecutor(_VOTER_THREADS, thread_name_prefix="search-voters")

    def warm_lora_cards(self, visibility: Visibility | None = None) -> None:
        """Build the cards of the most popular LoRAs up front (10k LoRAs: about 0.5 s), so the
        first searches after a start do not each pay ~4 ms of card queries. The default viewer
        (anonymous, or signed in with default limits) is the one most requests come from."""
        loras = self.snapshot.loras
        order = np.argsort(-loras.popularity, kind="stable")[: self.lora_cards.capacity]
        with Session(self.engine) as db:
            self.lora_cards.warm(db, [int(i) for i in loras.ids[order]], visibility or Visibility())

    @property
    def semantic(self) -> bool:
        """Whether the vector path is available (embedder and both indexes loaded)."""
        return self.embedder is not None and {"image", "lora"} <= set(self.indexes)

    def _columns(self, kind: Kind) -> ItemColumns:
        return self.snapshot.images if kind == "images" else self.snapshot.loras

    def first_showcase_images(
        self, lora_ids: Sequence[int], visibility: Visibility
    ) -> dict[int, int]:
        """Card previews from the snapshot's showcase order and the viewer's image mask."""
        image_mask, _ = self.allowed("images", visibility, Filters())
        return self.snapshot.first_showcase_images(lora_ids, image_mask)

    def _index(self, kind: Kind) -> VectorIndex | None:
        return self.indexes.get("image" if kind == "images" else "lora")

    def allowed(
        self, kind: Kind, visibility: Visibility, filters: Filters
    ) -> tuple[NDArray[np.bool_], AllowedSet | None]:
        """The row mask and the index's resolved filter, cached: most requests repeat a
        handful of filter combinations."""
        return self._allowed.get_or_compute(
            (kind, visibility, filters), lambda: self._resolve(kind, visibility, filters)
        )

    def _resolve(
        self, kind: Kind, visibility: Visibility, filters: Filters
    ) -> tuple[NDArray[np.bool_], AllowedSet | None]:
        mask = self.snapshot.mask(kind, visibility, filters)
        index = self._index(kind)
        resolved = index.allowed_set(self._columns(kind).ids[mask]) if index is not None else None
        return mask, resolved

    def keyword_ranking(self, kind: Kind, query: str, mask: NDArray[np.bool_]) -> list[int]:
        ids = self._keyword.get_or_compute((kind, query), lambda: self._keyword_ids(kind, query))
        return _within(self._columns(kind), ids, mask)

    def phrase_ranking(self, query: str, mask: NDArray[np.bool_]) -> list[int]:
        """Images whose prompts share the query's phrases, best first, within `mask` (none
        until `atelier index` has saved the phrase index)."""
        return _within(self.snapshot.images, self._phrase_ids(query), mask)

    def _phrase_ids(self, query: str) -> NDArray[np.int64]:
        """Phrase matches before any filter, best first (cached)."""
        index = self.keyword.get(PHRASE_KIND)
        if index is None:
            return np.zeros(0, np.int64)
        return self._keyword.get_or_compute(
            (PHRASE_KIND, query), lambda: _read_only(index.search(query, CANDIDATES * 3))
        )

    def _keyword_ids(self, kind: Kind, query: str) -> NDArray[np.int64]:
        """Full-text matches before any filter, best first (cached: filters vary, text less)."""
        limit = CANDIDATES * 3
        index = self.keyword.get(kind)
        if index is not None:
            ids = index.search(query, limit)
            if kind == "loras" and ids.size:
                # As fulltext.search_loras does: an exact name first, whatever BM25 says.
                exact = np.array(index.exact_names(query), dtype=np.int64)
                ids = np.concatenate([exact, ids[~np.isin(ids, exact)]])[:limit]
        else:
            with self.engine.connect() as connection:
                found = (
                    fulltext.search_images(connection, query, limit)
                    if kind == "images"
                    else fulltext.search_loras(connection, query, limit)
                )
            ids = np.array([i for i, _ in found], dtype=np.int64)
        return _read_only(ids)

    def vector_ranking(
        self,
        kind: Kind,
        query_vector: NDArray[np.float32] | None,
        allowed: AllowedSet | None,
        effort: float = 1.0,
    ) -> list[int]:
        index = self._index(kind)
        if query_vector is None or index is None or allowed is None or len(allowed) == 0:
            return []
        result = index.search(query_vector, CANDIDATES, allowed=allowed, effort=effort)
        return [int(i) for i in result.ids[0]]

    def lora_votes(
        self,
        image_ranking: list[int],
        lora_mask: NDArray[np.bool_],
        exclude_images: frozenset[int] = frozenset(),
    ) -> tuple[list[int], dict[int, int]]:
        """LoRAs ranked by how many of the best-matching images they made (rank-weighted)."""
        images = _voting_images(image_ranking, exclude_images)
        if not images:
            return [], {}
        rows = self.snapshot.images.rows_of(np.array(images, dtype=np.int64))
        valid = rows >= 0
        # Only the voters' rows: a product over the whole image x LoRA matrix costs O(catalog).
        voters = self.snapshot.image_loras[rows[valid]]
        weights = 1.0 / (10.0 + np.arange(len(images), dtype=np.float32)[valid])
        scores = np.asarray(voters.T @ weights).ravel() * lora_mask
        votes = np.asarray(voters.T @ np.ones(voters.shape[0], dtype=np.float32)).ravel()
        order = top_k(scores.astype(np.float32), CANDIDATES)
        order = order[scores[order] > 0]
        lora_ids = self.snapshot.loras.ids
        return [int(lora_ids[r]) for r in order], {int(lora_ids[r]): int(votes[r]) for r in order}

    def query_votes(
        self,
        query: str,
        image_ranking: list[int],
        lora_rankings: dict[str, list[int]],
        lora_mask: NDArray[np.bool_],
        exclude_images: frozenset[int] = frozenset(),
    ) -> tuple[list[int], dict[int, int]]:
        """`lora_votes` for a typed query, without the LoRAs only one voting image stands for,
        unless that image shares a phrase with the query or the LoRA is in `lora_rankings`
        (its keyword and vector matches)."""
        ranked, votes = self.lora_votes(image_ranking, lora_mask, exclude_images)
        lone = {i for i in ranked if votes[i] < LONE_VOTES_NEED_SUPPORT}
        if not lone:
            return ranked, votes
        lone -= {i for ranking in lora_rankings.values() for i in ranking}
        # The voters see every image, so the unfiltered phrase ranking is theirs.
        phrased = self._phrase_ids(query)[:PHRASE_SUPPORT_DEPTH] if lone else None
        if phrased is not None and phrased.size:
            voters = np.array(_voting_images(image_ranking, exclude_images), dtype=np.int64)
            lone -= self._loras_of(voters[np.isin(voters, phrased)])
        kept = [i for i in ranked if i not in lone]
        return kept, {i: votes[i] for i in kept}

    def _loras_of(self, image_ids: NDArray[np.int64]) -> set[int]:
        """Ids of the LoRAs these images were made with."""
        if not image_ids.size:
            return set()
        rows = self.snapshot.images.rows_of(image_ids)
        columns = self.snapshot.image_loras[rows[rows >= 0]].indices
        return {int(i) for i in self.snapshot.loras.ids[columns]}

    def encode(self, query: str) -> NDArray[np.float32] | None:
        """The query's vector, or None when the vector path is off or the query is blank."""
        if not self.semantic or not query.strip():
            return None
        embedder = self.embedder
        assert embedder is not None
        text = query_text(query)
        return self._vectors.get_or_compute(text, lambda: _frozen(embedder.encode_query(text)))

    def rank(
        self,
        kind: Kind,
        query: str,
        visibility: Visibility,
        filters: Filters,
        *,
        query_vector: NDArray[np.float32] | None = None,
        exclude_images: frozenset[int] = frozenset(),
        signals: tuple[str, ...] = ("keyword", "vector", "image_votes"),
    ) -> list[Hit]:
        """Every candidate of `kind` for the query, fused and best first."""
        entries, votes = self._fused(
            kind, query, visibility, filters, query_vector, exclude_images, signals
        )
        return [self._hit(entry, votes) for entry in entries.page(0, len(entries))]

    def _fused(
        self,
        kind: Kind,
        query: str,
        visibility: Visibility,
        filters: Filters,
        query_vector: NDArray[np.float32] | None,
        exclude_images: frozenset[int] = frozenset(),
        signals: tuple[str, ...] = ("keyword", "vector", "phrases", "image_votes"),
        voter_search: Future[list[int]] | None = None,
    ) -> tuple[FusedRanking, dict[int, int]]:
        """Fused candidates best first, and each LoRA's vote count; Hits are made only for
        the page shown, since a query has hundreds of candidates."""
        weights = self.weights.for_level(visibility.max_level)
        mask, allowed = self.allowed(kind, visibility, filters)
        rankings: dict[str, list[int]] = {}
        if "keyword" in signals:
            rankings["keyword"] = self.keyword_ranking(kind, query, mask)
        if "vector" in signals:
            rankings["vector"] = self.vector_ranking(kind, query_vector, allowed)
        if kind == "images" and "phrases" in signals and weights.phrases > 0:
            rankings["phrases"] = self.phrase_ranking(query, mask)
        votes: dict[int, int] = {}
        if kind == "loras" and "image_votes" in signals:
            image_mask, image_allowed = self.allowed("images", VOTERS, Filters())
            vector = voter_search.result() if voter_search is not None else None
            matching = self.image_ranking(
                query, image_mask, image_allowed, query_vector, weights, vector
            )
            rankings["image_votes"], votes = self.query_votes(
                query, matching, rankings, mask, exclude_images
            )
        fused = fuse_ranking(rankings, weights.signals(), **self._fusion(kind, weights))
        if kind == "loras" and "keyword" in signals:
            fused = self._exact_names_first(query, fused, mask)
        return fused, votes

    def fused_order(
        self, kind: Kind, rankings: dict[str, list[int]], weights: FusionWeights
    ) -> list[int]:
        """The order `_fused` serves for these rankings, popularity prior included, without its
        per-result bookkeeping, so the evaluation scores what is served (all but the pinning
        of a LoRA whose exact name is the whole query)."""
        order = fused_ids(rankings, weights.signals(), **self._fusion(kind, weights))
        return [int(i) for i in order]

    def _fusion(self, kind: Kind, weights: FusionWeights) -> dict[str, Any]:
        """How this kind's rankings are fused, past the per-ranking weights."""
        columns = self._columns(kind)
        return {
            "rrf_k": weights.rrf_k,
            "popularity": lambda ids: _popularity(columns, ids),
            "popularity_weight": weights.popularity,
        }

    def _exact_names_first(
        self, query: str, hits: FusedRanking, mask: NDArray[np.bool_]
    ) -> FusedRanking:
        # Someone who types a LoRA's exact name wants that LoRA, whatever the fusion says.
        index = self.keyword.get("loras")
        if index is not None:
            exact = index.exact_names(query)
        else:
            with self.engine.connect() as connection:
                exact = fulltext.exact_lora_names(connection, query)
        if not exact:
            return hits
        rows = self.snapshot.loras.rows_of(np.array(exact, dtype=np.int64))
        visible = [i for i, r in zip(exact, rows, strict=True) if r >= 0 and mask[r]]
        first = np.isin(hits.ids, visible)
        return hits.take(np.concatenate([np.flatnonzero(first), np.flatnonzero(~first)]))

    def image_ranking(
        self,
        query: str,
        mask: NDArray[np.bool_],
        allowed: AllowedSet | None,
        query_vector: NDArray[np.float32] | None,
        weights: FusionWeights,
        vector: list[int] | None = None,
    ) -> list[int]:
        """Images for the query, fused as the image half fuses them (keyword, vector and
        prompt phrases, no popularity): the voters for LoRA rankings. `vector` is the voters'
        vector ranking when it was already searched for. With phrases the voters name the
        LoRAs behind a prompt better: task A hit@10 0.820 -> 0.840 (all content)."""
        if vector is None:
            vector = self.vector_ranking("images", query_vector, allowed, VOTER_SEARCH_EFFORT)
        rankings = {"keyword": self.keyword_ranking("images", query, mask), "vector": vector}
        if weights.phrases > 0:
            rankings["phrases"] = self.phrase_ranking(query, mask)
        # The same weights as every fusion; there is no votes ranking here to weigh.
        order = fused_ids(rankings, weights.signals(), rrf_k=weights.rrf_k)
        return [int(i) for i in order]

    @staticmethod
    def _hit(entry: Fused, votes: dict[int, int]) -> Hit:
        return Hit(
            item_id=entry.item_id,
            score=round(entry.score, 6),
            keyword_rank=entry.ranks.get("keyword"),
            vector_rank=entry.ranks.get("vector"),
            vote_count=votes.get(entry.item_id, 0) if "image_votes" in entry.ranks else 0,
            phrase_rank=entry.ranks.get("phrases"),
        )

    def _listing(self, kind: Kind, mask: NDArray[np.bool_], sort: Sort) -> list[Hit]:
        columns = self._columns(kind)
        rows = np.flatnonzero(mask)
        key = columns.created[rows] if sort == "newest" else columns.popularity[rows]
        order = rows[np.argsort(-key.astype(np.float64), kind="stable")]
        return [Hit(int(columns.ids[r]), 0.0) for r in order[:1000]]

    def _sorted(self, kind: Kind, hits: FusedRanking, sort: Sort) -> FusedRanking:
        if sort == "relevance" or not len(hits):
            return hits
        columns = self._columns(kind)
        rows = columns.rows_of(hits.ids)
        key = columns.created[rows] if sort == "newest" else columns.popularity[rows]
        return hits.take(np.argsort(-key.astype(np.float64), kind="stable"))

    def search(self, request: SearchRequest, visibility: Visibility) -> dict[Kind, HitPage]:
        """A page of each requested kind."""
        query = request.query.strip()
        query_vector = self.encode(query)
        voter_search = None
        if query and query_vector is not None and "loras" in request.kinds:
            _mask, voters = self.allowed("images", VOTERS, Filters())
            voter_search = self._voter_pool.submit(
                self.vector_ranking, "images", query_vector, voters, VOTER_SEARCH_EFFORT
            )
        pages: dict[Kind, HitPage] = {}
        for kind in request.kinds:
            start = request.offset(kind)
            end = start + request.limit
            if query:
                entries, votes = self._fused(
                    kind, query, visibility, request.filters, query_vector,
                    voter_search=voter_search,
                )  # fmt: skip
                entries = self._sorted(kind, entries, request.sort)
                hits = [self._hit(entry, votes) for entry in entries.page(start, end)]
                total = len(entries)
            else:
                mask, _ = self.allowed(kind, visibility, request.filters)
                listing = self._listing(
                    kind, mask, "popular" if request.sort == "relevance" else request.sort
                )
                hits, total = listing[start:end], len(listing)
            pages[kind] = HitPage(hits=hits, total=total, next_offset=end if end < total else None)
        return pages

    def similar(self, kind: Kind, item_id: int, visibility: Visibility, limit: int) -> list[Hit]:
        """Items of the same kind nearest to this one (itself excluded); for LoRAs fused with
        the LoRAs that share its name and tags."""
        index = self._index(kind)
        if index is None or not bool(index.contains(np.array([item_id], dtype=np.int64))[0]):
            return []
        vector = index.get_vectors(np.array([item_id], dtype=np.int64))[0]
        mask, allowed = self.allowed(kind, visibility, Filters())
        if allowed is None:
            return []
        if kind == "loras":
            nearest = index.search(vector, CANDIDATES, allowed=allowed).ids[0]
            return self._with_namesakes(item_id, [int(i) for i in nearest], mask)[:limit]
        result = index.search(vector, limit + 1, allowed=allowed)
        return [
            Hit(int(i), round(float(s), 6), vector_rank=rank)
            for rank, (i, s) in enumerate(zip(result.ids[0], result.scores[0], strict=True))
            if int(i) != item_id
        ][:limit]

    def _with_namesakes(
        self, lora_id: int, nearest: list[int], mask: NDArray[np.bool_]
    ) -> list[Hit]:
        """Nearest LoRAs fused with a keyword search for this LoRA's name and tags. A LoRA's
        vector leans on what its showcase images show, so a detail tweaker's nearest
        neighbours were anime style LoRAs; other detail tweakers, and other LoRAs of the same
        character, share its name's words (docs/benchmarks.md, similar LoRAs)."""
        text = self._name_and_tags(lora_id)
        by_name = [i for i in self.keyword_ranking("loras", text, mask) if i != lora_id]
        fused = fuse(
            {"vector": [i for i in nearest if i != lora_id], "name": by_name},
            {"vector": 1.0, "name": SIMILAR_NAME_WEIGHT},
            rrf_k=SIMILAR_RRF_K,
        )
        return [
            Hit(
                e.item_id,
                round(e.score, 6),
                vector_rank=e.ranks.get("vector"),
                name_rank=e.ranks.get("name"),
            )
            for e in fused
        ]

    def _name_and_tags(self, lora_id: int) -> str:
        loras = self.snapshot.loras
        row = int(loras.rows_of(np.array([lora_id], dtype=np.int64))[0])
        tags = self.snapshot.tag_vocabulary.names
        words = [tags[c] for c in loras.tags[row].indices] if row >= 0 else []
        # The keyword index keeps every LoRA's name; the database only for one it lacks.
        index = self.keyword.get("loras")
        name = index.name_of(lora_id) if index is not None else None
        if name is None:
            with self.engine.connect() as connection:
                name = connection.execute(select(Model.name).where(Model.id == lora_id)).scalar()
        return " ".join([name or "", *sorted(words)])[:MAX_QUERY_CHARS]

    def loras_for_image(self, image_id: int, visibility: Visibility, limit: int) -> list[Hit]:
        """Which LoRAs make this look: LoRAs used by the nearest images, and LoRAs whose own
        text is nearest to the image's (the image's own links are shown on its page)."""
        index = self._index("images")
        lora_index = self._index("loras")
        ids = np.array([image_id], dtype=np.int64)
        if index is None or lora_index is None or not bool(index.contains(ids)[0]):
            return []
        vector = index.get_vectors(ids)[0]
        lora_mask, lora_allowed = self.allowed("loras", visibility, Filters())
        _image_mask, image_allowed = self.allowed("images", VOTERS, Filters())
        assert image_allowed is not None and lora_allowed is not None
        neighbours = [
            int(i) for i in index.search(vector, VOTING_IMAGES + 1, allowed=image_allowed).ids[0]
        ]
        voted, votes = self.lora_votes(neighbours, lora_mask, frozenset({image_id}))
        nearest = [
            int(i) for i in lora_index.search(vector, CANDIDATES, allowed=lora_allowed).ids[0]
        ]
        weights = self.weights.for_level(visibility.max_level)
        fused = fuse(
            {"image_votes": voted, "vector": nearest},
            {"image_votes": weights.image_votes, "vector": weights.vector},
            rrf_k=weights.rrf_k,
        )
        return [self._hit(entry, votes) for entry in fused[:limit]]


def _voting_images(image_ranking: list[int], exclude_images: frozenset[int]) -> list[int]:
    """The images whose LoRAs vote: the best VOTING_IMAGES, the excluded ones left out."""
    return [i for i in image_ranking if i not in exclude_images][:VOTING_IMAGES]


def _within(columns: ItemColumns, ids: NDArray[np.int64], mask: NDArray[np.bool_]) -> list[int]:
    """The first CANDIDATES of `ids` (best first) that the snapshot has and `mask` allows."""
    if ids.size == 0:
        return []
    rows = columns.rows_of(ids)
    keep = (rows >= 0) & mask[np.maximum(rows, 0)]
    return [int(i) for i in ids[keep][:CANDIDATES]]


def _read_only(ids: NDArray[np.int64]) -> NDArray[np.int64]:
    # Cached arrays are shared between requests.
    ids.flags.writeable = False
    return ids


def _popularity(columns: ItemColumns, ids: NDArray[np.int64]) -> NDArray[np.float64]:
    """Popularity of each id (0 for an id the snapshot no longer has)."""
    rows = columns.rows_of(ids)
    values = columns.popularity[np.maximum(rows, 0)].astype(np.float64)
    values[rows < 0] = 0.0
    return values


def query_text(query: str) -> str:
    """What gets embedded for a query: pasted prompts are cleaned the way image texts were
    (no `<lora:>` tags, weights or quality boilerplate), so both sides of the cosine speak the
    same language; a plain description passes through unchanged."""
    return image_text(query, []) or query


def _frozen(vector: NDArray[np.float32]) -> NDArray[np.float32]:
    # Cached arrays are shared between requests: make accidental in-place edits fail loudly.
    vector.flags.writeable = False
    return vector
