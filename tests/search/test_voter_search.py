"""One search call for both kinds: the voters' image search runs beside the viewer's own and
changes nothing in the answer, and each kind pages from its own offset."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from atelier.services.search.service import SearchRequest
from atelier.services.visibility import Visibility
from tests.search.building import hashing_search_service

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
    service = hashing_search_service(catalog_engine, tmp_path, "ivf")
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


def test_each_kind_pages_from_its_own_offset_in_one_call(
    catalog_engine: Engine, tmp_path: Path
) -> None:
    service = hashing_search_service(catalog_engine, tmp_path, "exact")
    whole = service.search(SearchRequest("portrait", limit=12), Visibility())
    paged = service.search(
        SearchRequest("portrait", limit=4, image_offset=5, lora_offset=2), Visibility()
    )
    assert paged["images"].hits == whole["images"].hits[5:9]
    assert paged["loras"].hits == whole["loras"].hits[2:6]
    assert paged["images"].next_offset == 9 and paged["loras"].next_offset == 6
