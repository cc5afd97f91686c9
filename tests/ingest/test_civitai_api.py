"""Tests for the Civitai API client against a real local replay server."""

from __future__ import annotations

import itertools
import json
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from atelier.errors import IngestError
from atelier.ingest.civitai_api import (
    ApiPage,
    CivitaiApiClient,
    CivitaiApiError,
    CivitaiHTTPError,
    CivitaiRetriesExhausted,
    CivitaiShapeError,
    CivitaiUnreachable,
)

from .replay_server import (  # noqa: F401  (pytest fixtures, registered by import)
    IMAGES_PATH,
    MODELS_PATH,
    Fault,
    ReplayServer,
    http_client,
    recorded_replay_server_fixture,
    replay_server_fixture,
)

MODEL_PARAMS: dict[str, str | int] = {"limit": 100, "sort": "Most Downloaded", "nsfw": "true"}
# A short listing of real items (55 textual inversions, 6 pages) for the failure scripts.
SMALL_PARAMS: dict[str, str | int] = {**MODEL_PARAMS, "limit": 10, "types": "TextualInversion"}


class SleepRecorder:
    """Stands in for time.sleep: remembers each delay, never waits."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with http_client() as client:
        yield client


@pytest.fixture
def client(
    replay_server: ReplayServer, http: httpx.Client, sleeps: SleepRecorder
) -> CivitaiApiClient:
    return CivitaiApiClient(
        replay_server.base_url, http=http, max_retries=3, timeout_s=10.0, sleep=sleeps
    )


def collect(client: CivitaiApiClient, path: str, params: dict[str, Any]) -> list[ApiPage]:
    return list(client.iter_pages(path, params))


def all_items(pages: list[ApiPage]) -> list[dict[str, Any]]:
    return [item for page in pages for item in page.items]


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_pages_every_model_in_order_with_chained_cursors(
    client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    params = {**MODEL_PARAMS, "limit": 50}
    pages = collect(client, MODELS_PATH, params)

    assert all_items(pages) == replay_server.expected_items(MODELS_PATH, params)
    assert len(pages) == 10
    assert pages[0].cursor is None
    for previous, page in itertools.pairwise(pages):
        assert previous.next_cursor is not None
        assert page.cursor == previous.next_cursor
        assert f"cursor={page.cursor}" in page.url
    assert pages[-1].next_cursor is None


def test_pages_every_image_with_meta_in_the_current_shape(
    client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    params: dict[str, Any] = {"limit": 200, "withMeta": "true", "nsfw": "X"}
    items = all_items(collect(client, IMAGES_PATH, params))

    assert items == replay_server.expected_items(IMAGES_PATH, params)
    assert len(items) > 6000
    assert {"id", "nsfwLevel", "browsingLevel", "modelVersionIds", "postId"} <= items[0].keys()
    with_meta = next(item for item in items if item["meta"])
    assert (
        with_meta["meta"]["civitaiResources"][0]["modelVersionId"] in (with_meta["modelVersionIds"])
    )


def test_unknown_fields_pass_through_untouched(
    client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    items = all_items(collect(client, MODELS_PATH, MODEL_PARAMS))

    newest = next(item for item in items if item["id"] == 140272)
    # Fields the 2023 shape never had, exactly as recorded in 2025.
    assert newest["cosmetic"] is None
    assert newest["modelVersions"][0]["images"][0]["remixOfId"] is None
    assert newest == next(m for m in replay_server.expected_items(MODELS_PATH) if m["id"] == 140272)


def test_list_params_are_sent_as_repeated_keys(
    client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    params: dict[str, Any] = {**MODEL_PARAMS, "types": ["LORA", "LoCon"]}
    items = all_items(collect(client, MODELS_PATH, params))

    assert items and {item["type"] for item in items} == {"LORA"}
    assert replay_server.requests[0].query["types"] == ["LORA", "LoCon"]


def test_requests_name_atelier_and_carry_the_api_key(
    replay_server: ReplayServer, http: httpx.Client, sleeps: SleepRecorder
) -> None:
    api = CivitaiApiClient(replay_server.base_url, http=http, api_key="k-123", sleep=sleeps)
    api.fetch_page(MODELS_PATH, SMALL_PARAMS, None)

    headers = {k.lower(): v for k, v in replay_server.requests[0].headers.items()}
    assert headers["user-agent"].startswith("Atelier/")
    assert headers["authorization"] == "Bearer k-123"
    assert "k-123" not in str(replay_server.requests[0].query)


def test_page_number_paging_is_never_used(
    client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    collect(client, MODELS_PATH, MODEL_PARAMS)

    assert all("page" not in request.query for request in replay_server.requests)
    with pytest.raises(ValueError, match="cursor"):
        client.fetch_page(MODELS_PATH, {"page": 2}, None)
    with pytest.raises(ValueError, match="cursor"):
        client.fetch_page(MODELS_PATH, {"cursor": "abc"}, None)


@pytest.mark.parametrize(
    "fault",
    [
        Fault.RATE_LIMITED,
        Fault.SERVER_ERROR,
        Fault.UNAVAILABLE,
        Fault.TRUNCATED,
        Fault.NOT_JSON,
        Fault.SLOW,
    ],
    ids=lambda fault: fault.name.lower(),
)
def test_each_transient_failure_is_retried_and_the_run_matches_a_clean_one(
    fault: Fault,
    client: CivitaiApiClient,
    replay_server: ReplayServer,
    sleeps: SleepRecorder,
) -> None:
    if fault is Fault.SLOW:
        client.timeout_s = 0.25
        replay_server.slow_s = 1.0
    # Two failures in a row on the second page, one more on a later page.
    replay_server.script({2: fault, 3: fault, 6: fault})

    items = all_items(collect(client, MODELS_PATH, SMALL_PARAMS))

    assert items == replay_server.expected_items(MODELS_PATH, SMALL_PARAMS)
    assert len(items) == 55
    assert len(sleeps.delays) == 3
    assert len(replay_server.requests) == 6 + 3


def test_truncated_fault_really_sends_cut_json_with_an_honest_length(
    replay_server: ReplayServer,
) -> None:
    replay_server.script({1: Fault.TRUNCATED})

    response = httpx.get(f"{replay_server.base_url}{MODELS_PATH}?limit=5")

    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_retry_after_seconds_are_honoured(
    client: CivitaiApiClient, replay_server: ReplayServer, sleeps: SleepRecorder
) -> None:
    replay_server.retry_after = "7"
    replay_server.script({1: Fault.RATE_LIMITED})

    client.fetch_page(MODELS_PATH, SMALL_PARAMS, None)

    assert sleeps.delays == [7.0]


def test_retry_after_http_date_is_honoured(
    client: CivitaiApiClient, replay_server: ReplayServer, sleeps: SleepRecorder
) -> None:
    later = datetime.now(UTC) + timedelta(seconds=30)
    replay_server.retry_after = format_datetime(later, usegmt=True)
    replay_server.script({1: Fault.RATE_LIMITED})

    client.fetch_page(MODELS_PATH, SMALL_PARAMS, None)

    assert len(sleeps.delays) == 1
    assert 25.0 <= sleeps.delays[0] <= 30.0


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap(
    replay_server: ReplayServer, http: httpx.Client, sleeps: SleepRecorder
) -> None:
    replay_server.script(dict.fromkeys(range(1, 6), Fault.SERVER_ERROR))
    api = CivitaiApiClient(
        replay_server.base_url,
        http=http,
        max_retries=6,
        backoff_base_s=1.0,
        backoff_cap_s=4.0,
        sleep=sleeps,
    )
    api.fetch_page(MODELS_PATH, SMALL_PARAMS, None)

    ceilings = [1.0, 2.0, 4.0, 4.0, 4.0]
    assert len(sleeps.delays) == len(ceilings)
    for delay, ceiling in zip(sleeps.delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling


def test_exhausted_retries_raise_and_nothing_after_the_failing_page_is_yielded(
    client: CivitaiApiClient, replay_server: ReplayServer, sleeps: SleepRecorder
) -> None:
    replay_server.script(dict.fromkeys(range(2, 10), Fault.UNAVAILABLE))
    pages: list[ApiPage] = []

    with pytest.raises(CivitaiRetriesExhausted) as caught:
        pages.extend(client.iter_pages(MODELS_PATH, SMALL_PARAMS))

    assert len(pages) == 1
    error = caught.value
    assert error.attempts == 4  # the first try and max_retries=3 retries
    assert "HTTP 503" in str(error)
    assert pages[0].next_cursor is not None and pages[0].next_cursor in error.url
    assert error.url in str(error)
    assert len(replay_server.requests) == 5
    assert len(sleeps.delays) == 3


@pytest.mark.parametrize(
    ("fault", "found"),
    [(Fault.RENAMED_ITEMS, "no `items` key"), (Fault.ITEMS_NOT_A_LIST, "`items` is an object")],
)
def test_changed_shape_raises_a_shape_error_naming_the_url(
    fault: Fault,
    found: str,
    client: CivitaiApiClient,
    replay_server: ReplayServer,
    sleeps: SleepRecorder,
) -> None:
    replay_server.script({2: fault})
    pages: list[ApiPage] = []

    with pytest.raises(CivitaiShapeError) as caught:
        pages.extend(client.iter_pages(MODELS_PATH, SMALL_PARAMS))

    message = str(caught.value)
    assert caught.value.url.startswith(replay_server.base_url + MODELS_PATH)
    assert caught.value.url in message
    assert found in message
    assert len(pages) == 1
    # A changed shape will not change back on a retry; it needs a code change.
    assert sleeps.delays == []


def test_unreachable_host_fails_fast_saying_to_import_a_dump(sleeps: SleepRecorder) -> None:
    with (
        CivitaiApiClient(f"http://127.0.0.1:{closed_port()}", sleep=sleeps) as api,
        pytest.raises(CivitaiUnreachable) as caught,
    ):
        api.fetch_page(MODELS_PATH, SMALL_PARAMS, None)

    message = str(caught.value)
    assert "unreachable" in message
    assert "ATELIER_IMPORT=" in message
    assert "atelier ingest file" in message
    # No route at all: one quick retry, not a minute of backoff.
    assert len(sleeps.delays) == 1


def test_losing_the_host_mid_run_uses_every_retry_then_says_unreachable(
    http: httpx.Client, sleeps: SleepRecorder
) -> None:
    server = ReplayServer({MODELS_PATH: [{"id": n} for n in range(4)]})
    api = CivitaiApiClient(server.base_url, http=http, max_retries=3, sleep=sleeps)
    with server:
        first = api.fetch_page(MODELS_PATH, {"limit": 2}, None)
        server.stop()
        with pytest.raises(CivitaiUnreachable):
            api.fetch_page(MODELS_PATH, {"limit": 2}, first.next_cursor)

    assert len(sleeps.delays) == 3


def test_a_refused_status_is_not_retried(client: CivitaiApiClient, sleeps: SleepRecorder) -> None:
    with pytest.raises(CivitaiHTTPError) as caught:
        client.fetch_page(MODELS_PATH, MODEL_PARAMS, "not-a-cursor")

    assert caught.value.status_code == 400
    assert "cursor" in str(caught.value)
    assert sleeps.delays == []


def test_non_object_items_are_dropped_with_a_warning(
    http: httpx.Client, sleeps: SleepRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    listing: list[Any] = [{"id": 1}, 5, None, ["x"], {"id": 2, "brandNew": {"a": [1]}}]
    with (
        ReplayServer({MODELS_PATH: listing}) as server,
        caplog.at_level(logging.WARNING, logger="atelier.ingest.civitai_api"),
    ):
        api = CivitaiApiClient(server.base_url, http=http, sleep=sleeps)
        page = api.fetch_page(MODELS_PATH, {"limit": 10}, None)

    assert page.items == [{"id": 1}, {"id": 2, "brandNew": {"a": [1]}}]
    assert page.next_cursor is None
    dropped = [r for r in caplog.records if "dropping item" in r.getMessage()]
    assert len(dropped) == 3


def _mock_client(body: Any, sleeps: SleepRecorder) -> CivitaiApiClient:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    return CivitaiApiClient(
        "https://civitai.example", http=httpx.Client(transport=transport), sleep=sleeps
    )


def test_a_cursor_that_repeats_stops_paging_instead_of_looping(sleeps: SleepRecorder) -> None:
    api = _mock_client({"items": [{"id": 1}], "metadata": {"nextCursor": "same"}}, sleeps)

    with pytest.raises(CivitaiShapeError, match="again"):
        list(api.iter_pages(MODELS_PATH, {"limit": 1}))


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [({}, None), ({"nextCursor": ""}, None), ({"nextCursor": 12345}, "12345"), (None, None)],
)
def test_next_cursor_is_read_leniently(
    metadata: Any, expected: str | None, sleeps: SleepRecorder
) -> None:
    api = _mock_client({"items": [], "metadata": metadata}, sleeps)

    assert api.fetch_page(MODELS_PATH, {}, None).next_cursor == expected


def test_missing_metadata_ends_the_listing(sleeps: SleepRecorder) -> None:
    api = _mock_client({"items": [{"id": 1}]}, sleeps)

    assert [page.items for page in api.iter_pages(MODELS_PATH, {})] == [[{"id": 1}]]


def test_a_body_that_is_not_an_object_is_a_shape_error(sleeps: SleepRecorder) -> None:
    api = _mock_client([{"id": 1}], sleeps)

    with pytest.raises(CivitaiShapeError, match="expected a JSON object"):
        api.fetch_page(MODELS_PATH, {}, None)


def test_every_client_error_belongs_to_the_one_domain_tree() -> None:
    for error in (CivitaiUnreachable, CivitaiRetriesExhausted, CivitaiHTTPError, CivitaiShapeError):
        assert issubclass(error, CivitaiApiError)
    assert issubclass(CivitaiApiError, IngestError)
