"""Tests for the resumable live ingest loop against a real local replay server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from atelier.ingest.civitai_api import ApiPage, CivitaiApiClient, CivitaiRetriesExhausted
from atelier.ingest.live import LIVE_ENDPOINTS, LiveEndpoint, LiveIngestResult, ingest_pages

from .replay_server import (  # noqa: F401  (pytest fixtures, registered by import)
    IMAGES_PATH,
    MODELS_PATH,
    Fault,
    ReplayServer,
    http_client,
    recorded_replay_server_fixture,
    replay_server_fixture,
)

# 55 real textual-inversion models, 10 to a page: six pages, the last one short.
PARAMS: dict[str, Any] = {"limit": 10, "types": "TextualInversion", "sort": "Most Downloaded"}


class SinkInterrupted(Exception):
    """Stands in for a crash (or Ctrl-C) while a page is being written."""


class TransactionalSink:
    """A stand-in database: a page's items and its next cursor commit together, or not at all."""

    def __init__(self, *, fail_on_page: int | None = None, keep_every: int = 1) -> None:
        self.items: list[dict[str, Any]] = []
        self.cursor: str | None = None
        self.committed_pages = 0
        self.fail_on_page = fail_on_page
        self.keep_every = keep_every

    def __call__(self, page: ApiPage) -> int:
        if self.fail_on_page is not None and self.committed_pages + 1 == self.fail_on_page:
            # Raised before anything is stored: the rolled-back transaction.
            raise SinkInterrupted(f"interrupted while writing page {self.fail_on_page}")
        kept = page.items[:: self.keep_every]
        self.items.extend(kept)
        self.cursor = page.next_cursor
        self.committed_pages += 1
        return len(kept)


class SleepRecorder:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def client(replay_server: ReplayServer) -> Iterator[CivitaiApiClient]:
    with http_client() as http:
        yield CivitaiApiClient(
            replay_server.base_url, http=http, max_retries=2, sleep=SleepRecorder()
        )


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [int(item["id"]) for item in items]


def requested_limits(server: ReplayServer) -> list[str]:
    return [request.query["limit"][0] for request in server.requests]


def test_a_full_run_writes_every_item_once_and_finishes(
    client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    sink = TransactionalSink()

    result = ingest_pages(client, MODELS_PATH, PARAMS, sink, start_cursor=None, limit=None)

    expected = replay_server.expected_items(MODELS_PATH, PARAMS)
    assert sink.items == expected
    assert result == LiveIngestResult(pages=6, items=55, last_cursor=None, finished=True)
    assert sink.cursor is None


def test_an_interrupted_run_resumes_from_the_last_committed_cursor_without_gaps_or_duplicates(
    client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    sink = TransactionalSink(fail_on_page=3)

    with pytest.raises(SinkInterrupted):
        ingest_pages(client, MODELS_PATH, PARAMS, sink, start_cursor=None, limit=None)

    assert len(sink.items) == 20
    stored_cursor = sink.cursor
    assert stored_cursor is not None
    sink.fail_on_page = None
    result = ingest_pages(client, MODELS_PATH, PARAMS, sink, start_cursor=stored_cursor, limit=None)

    expected = replay_server.expected_items(MODELS_PATH, PARAMS)
    assert ids(sink.items) == ids(expected)
    assert len(set(ids(sink.items))) == len(sink.items)
    assert result == LiveIngestResult(pages=4, items=35, last_cursor=None, finished=True)
    assert replay_server.requests[3].query["cursor"] == [stored_cursor]


def test_an_api_failure_mid_run_resumes_cleanly(
    client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    # Page 4 fails on every attempt (the first try and two retries).
    replay_server.script(dict.fromkeys((4, 5, 6), Fault.UNAVAILABLE))
    sink = TransactionalSink()

    with pytest.raises(CivitaiRetriesExhausted):
        ingest_pages(client, MODELS_PATH, PARAMS, sink, start_cursor=None, limit=None)

    assert len(sink.items) == 30
    result = ingest_pages(client, MODELS_PATH, PARAMS, sink, start_cursor=sink.cursor, limit=None)

    assert ids(sink.items) == ids(replay_server.expected_items(MODELS_PATH, PARAMS))
    assert result.finished and result.items == 25


def test_limit_stops_at_exactly_that_many_items_and_the_run_resumes_after_it(
    client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    sink = TransactionalSink()

    first = ingest_pages(client, MODELS_PATH, PARAMS, sink, start_cursor=None, limit=23)

    assert first.items == 23 and len(sink.items) == 23
    assert first.pages == 3 and not first.finished
    assert first.last_cursor == sink.cursor is not None
    # The last page asks only for what is still wanted.
    assert requested_limits(replay_server) == ["10", "10", "3"]

    rest = ingest_pages(
        client, MODELS_PATH, PARAMS, sink, start_cursor=first.last_cursor, limit=None
    )

    assert ids(sink.items) == ids(replay_server.expected_items(MODELS_PATH, PARAMS))
    assert rest.finished and rest.items == 32


def test_limit_counts_what_the_sink_wrote(
    client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    # A sink that keeps half of each page (say, the rest were already stored).
    sink = TransactionalSink(keep_every=2)

    result = ingest_pages(client, MODELS_PATH, PARAMS, sink, start_cursor=None, limit=12)

    assert result.items == len(sink.items) == 12
    assert not result.finished
    # Each request asks for what is still missing by the sink's count, so it keeps going.
    assert requested_limits(replay_server) == ["10", "7", "3", "1"]


def test_a_limit_of_zero_fetches_nothing(
    client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    result = ingest_pages(
        client, MODELS_PATH, PARAMS, TransactionalSink(), start_cursor="kept", limit=0
    )

    assert result == LiveIngestResult(pages=0, items=0, last_cursor="kept", finished=False)
    assert replay_server.requests == []
    with pytest.raises(ValueError, match="limit"):
        ingest_pages(client, MODELS_PATH, PARAMS, TransactionalSink(), start_cursor=None, limit=-1)


def test_progress_reports_running_totals(client: CivitaiApiClient) -> None:
    totals: list[int] = []

    ingest_pages(
        client,
        MODELS_PATH,
        PARAMS,
        TransactionalSink(),
        start_cursor=None,
        limit=None,
        on_progress=totals.append,
    )

    assert totals == [10, 20, 30, 40, 50, 55]


def test_the_live_image_endpoint_runs_through_the_loop(
    client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    endpoint = LIVE_ENDPOINTS["images"]
    sink = TransactionalSink()

    result = ingest_pages(
        client, endpoint.path, endpoint.params, sink, start_cursor=None, limit=450
    )

    assert result == LiveIngestResult(pages=3, items=450, last_cursor=sink.cursor, finished=False)
    assert ids(sink.items) == ids(replay_server.expected_items(IMAGES_PATH)[:450])
    first = replay_server.requests[0].query
    assert first["withMeta"] == ["true"] and first["nsfw"] == ["X"]
    assert requested_limits(replay_server) == ["200", "200", "50"]


def test_live_endpoints_describe_the_models_and_images_listings() -> None:
    models, images = LIVE_ENDPOINTS["models"], LIVE_ENDPOINTS["images"]

    assert models.path == MODELS_PATH
    assert dict(models.params) == {"limit": 100, "sort": "Most Downloaded", "nsfw": "true"}
    assert images.path == IMAGES_PATH
    assert dict(images.params) == {"limit": 200, "withMeta": "true", "nsfw": "X"}


def test_endpoint_params_can_be_overridden_added_and_removed() -> None:
    endpoint = LiveEndpoint(name="models", path=MODELS_PATH, params={"limit": 100, "nsfw": "true"})

    params = endpoint.with_params({"types": ["LORA", "LoCon", "DoRA"], "nsfw": None, "limit": 5})

    assert params == {"limit": 5, "types": ["LORA", "LoCon", "DoRA"]}
    assert dict(endpoint.params) == {"limit": 100, "nsfw": "true"}


def test_the_loop_works_with_the_clients_own_http_pool(replay_server: ReplayServer) -> None:
    sink = TransactionalSink()
    with CivitaiApiClient(replay_server.base_url, sleep=SleepRecorder()) as api:
        result = ingest_pages(api, MODELS_PATH, PARAMS, sink, start_cursor=None, limit=None)

    assert result.finished and result.items == 55
    assert isinstance(api._http, httpx.Client) and api._http.is_closed
