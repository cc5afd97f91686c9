"""Builds the search service for an app or a command: snapshot, embedder and saved indexes."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from atelier.config import Settings
from atelier.embed.protocol import Embedder
from atelier.embed.registry import make_embedder
from atelier.services.indexing import keyword_dir, load_vector_indexes, recall_phrases
from atelier.services.search.keyword import PHRASE_KIND, load_saved_keyword_indexes
from atelier.services.search.service import SearchService
from atelier.services.search.snapshot import load_snapshot

logger = logging.getLogger(__name__)


def embedder_for(settings: Settings) -> Embedder:
    """The configured embedder, caching any derived model files under the data dir."""
    return make_embedder(settings.embedder, cache_dir=settings.data_dir / "models")


def build_search_service(
    engine: Engine,
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    phrase_memory: bool = False,
) -> SearchService:
    """The service over the current catalog; keyword-only until `atelier index` has run.

    With `phrase_memory`, the phrase vectors `atelier index` saved are loaded into the
    embedder: a pasted prompt is mostly catalog phrases, and each one found there is a lookup
    instead of a model run (in process, query encoding p50 3.0 -> 0.2 ms, p95 7.4 -> 2.6 ms).
    """
    with engine.connect() as connection:
        snapshot = load_snapshot(connection)
    chosen = embedder or embedder_for(settings)
    if phrase_memory:
        loaded = recall_phrases(chosen, settings.data_dir)
        logger.info("query phrase memory: %d phrases", loaded)
    keyword = load_saved_keyword_indexes(keyword_dir(settings.data_dir))
    if keyword is None or PHRASE_KIND not in keyword:
        # Data directories indexed before the phrase index existed: search works without it.
        logger.warning("no prompt phrase index yet: run `atelier index` to rank by phrases")
    indexes = load_vector_indexes(settings.data_dir, chosen.name)
    if indexes is None:
        logger.warning("no vector index for %s yet: search is keyword-only", chosen.name)
        return SearchService(engine, snapshot, None, None, keyword=keyword)
    return SearchService(engine, snapshot, chosen, indexes, keyword=keyword)
