"""A search service over a test catalog, as `atelier index` would leave it, with the hashing
embedder (deterministic, no model files)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from atelier.embed.hashing import HashingEmbedder
from atelier.services.indexing import keyword_dir, load_vector_indexes, refresh_search_indexes
from atelier.services.search.keyword import load_saved_keyword_indexes
from atelier.services.search.service import SearchService
from atelier.services.search.snapshot import load_snapshot


def hashing_search_service(engine: Engine, data_dir: Path, index_kind: str) -> SearchService:
    embedder = HashingEmbedder()
    refresh_search_indexes(engine, embedder, data_dir, index_kind)
    with engine.connect() as connection:
        snapshot = load_snapshot(connection)
    indexes = load_vector_indexes(data_dir, embedder.name)
    assert indexes is not None
    keyword = load_saved_keyword_indexes(keyword_dir(data_dir))
    return SearchService(engine, snapshot, embedder, indexes, keyword=keyword)
