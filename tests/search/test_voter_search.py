"""The voters' image search runs beside the viewer's own and changes nothing in the answer."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from atelier.embed.hashing import HashingEmbedder
from atelier.services.indexing import keyword_dir, load_vector_indexes, refresh_search_indexes
from atelier.services.search.keyword import load_saved_keyword_indexes
from atelier.services.search.service import SearchRequest, SearchService
from atelier.services.search.snapshot import load_snapshot
from atelier.services.visibility import Visibility

QUERIES = ("portrait of a woman", "anime girl, long hair", "landscape at night", "cat")


class _Counting:
    """An executor that records what it was given and runs it at once, in the caller."""

    def __init__(self) -> None:
        self.calls = 0

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        self.calls += 1
        future: Future[Any] = Future()
        future.set_result(fn(*args))
        return future


def test_pages_are_the_same_whether_the_voters_search_in_a_thread_or_inline(
    catalog_engine: Engine, tmp_path: Path
) -> None:
    embedder = HashingEmbedder()
    refresh_search_indexes(catalog_engine, embedder, tmp_path, "ivf")
    with catalog_engine.connect() as connection:
        snapshot = load_snapshot(connection)
    indexes = load_vector_indexes(tmp_path, embedder.name)
    assert indexes is not None
    service = SearchService(
        catalog_engine,
        snapshot,
        embedder,
        indexes,
        keyword=load_saved_keyword_indexes(keyword_dir(tmp_path)),
    )
    viewers = (Visibility(), Visibility(3, frozenset(), True))
    threaded = [service.search(SearchRequest(q), v) for q in QUERIES for v in viewers]
    inline = _Counting()
    service._voter_pool = inline  # type: ignore[assignment]
    assert [service.search(SearchRequest(q), v) for q in QUERIES for v in viewers] == threaded
    assert inline.calls == len(threaded)
    assert all(page["loras"].hits for page in threaded)
    # Without LoRAs asked for, no voters are searched.
    service.search(SearchRequest("cat", kinds=("images",)), Visibility())
    assert inline.calls == len(threaded)
