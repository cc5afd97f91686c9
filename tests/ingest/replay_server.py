"""A real local HTTP server that replays recorded Civitai listing pages, with scripted failures."""

from __future__ import annotations

import base64
import binascii
import copy
import enum
import functools
import gzip
import json
import logging
import ssl
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

logger = logging.getLogger(__name__)

API_SAMPLE = Path("api-samples", "model-140272-2025-07.json")
MODELS_PATH = "/api/v1/models"
IMAGES_PATH = "/api/v1/images"

# Browsing-level bits as the live API uses them (PG, PG-13, R, X); the 2023 dumps carry the
# older names, which map one to one onto the first four bits.
_LEVEL_BITS = {"None": 1, "Soft": 2, "Mature": 4, "X": 8}
_RESOURCE_TYPES = {
    "LORA": "lora",
    "LoCon": "lora",
    "DoRA": "lora",
    "Checkpoint": "checkpoint",
    "TextualInversion": "embed",
    "Hypernetwork": "hypernet",
}
# Synthetic post ids live far above any version id of the sample so the two never coincide.
_POST_ID_OFFSET = 900_000_000
_MAX_PAGE = 200
_PAGE_CACHE_MAX_BYTES = 48 * 1024 * 1024


class Fault(enum.Enum):
    """A scripted misbehaviour for one request."""

    RATE_LIMITED = "429 with Retry-After"
    SERVER_ERROR = "500"
    UNAVAILABLE = "503"
    TRUNCATED = "200 whose JSON is cut mid-way (honest Content-Length)"
    NOT_JSON = "200 with an HTML body"
    RENAMED_ITEMS = "200 with `items` renamed to `results`"
    ITEMS_NOT_A_LIST = "200 with `items` an object"
    SLOW = "the right page, but only after the client's timeout"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it."""

    number: int
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class ReplayServer:
    """Serves `listings` (path -> items in listing order) with opaque cursors on 127.0.0.1."""

    def __init__(
        self,
        listings: Mapping[str, Sequence[dict[str, Any]]],
        *,
        retry_after: str = "7",
        slow_s: float = 2.0,
    ) -> None:
        self._listings = {path: list(items) for path, items in listings.items()}
        self._defaults = (retry_after, slow_s)
        self.retry_after = retry_after
        self.slow_s = slow_s
        # Encoded pages by query: one server serves a whole test session, and encoding the
        # same megabytes of model descriptions for every test would dominate the run time.
        self._page_cache: dict[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], bytes] = {}
        self._cached_bytes = 0
        self._plan: dict[int, Fault] = {}
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler, self)
        # A short poll keeps shutdown quick; the default half-second adds up over a test run.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="civitai-replay",
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        # Wake any handler parked in a SLOW fault first, or closing would wait for it.
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ReplayServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget requests and scripted faults, and restore the fault settings."""
        with self._lock:
            self._plan = {}
            self._requests = []
            self.retry_after, self.slow_s = self._defaults

    def script(self, faults: Mapping[int, Fault]) -> None:
        """Misbehave on these request numbers (1-based, counted over all requests)."""
        with self._lock:
            self._plan = dict(faults)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def expected_items(
        self, path: str, params: Mapping[str, str | int | Sequence[str]] | None = None
    ) -> list[dict[str, Any]]:
        """The items a clean paging of `path` with `params` returns, in order (read-only)."""
        query = {key: _as_values(value) for key, value in (params or {}).items()}
        # Shared with the server, not copied: callers compare, never mutate.
        return _filtered(self._listings[path], query)

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        query = parse_qs(split.query, keep_blank_values=True)
        with self._lock:
            number = len(self._requests) + 1
            self._requests.append(
                RecordedRequest(number, split.path, query, dict(handler.headers.items()))
            )
            fault = self._plan.get(number)
        if split.path not in self._listings:
            _send_json(handler, 404, {"error": f"no such listing: {split.path}"})
            return
        if "page" in query:
            # Civitai answers deep page-number requests with 429; a client here should never ask.
            _send_json(handler, 429, {"error": "page-number paging is not served"})
            return
        try:
            payload = self._page_bytes(split.path, query)
        except _BadRequest as exc:
            _send_json(handler, 400, {"error": str(exc)})
            return
        self._send_with_fault(handler, payload, fault)

    def _page_bytes(self, path: str, query: dict[str, list[str]]) -> bytes:
        key = (path, tuple(sorted((name, tuple(values)) for name, values in query.items())))
        with self._lock:
            cached = self._page_cache.get(key)
        if cached is None:
            cached = _encode(self._page_body(path, query))
            with self._lock:
                if self._cached_bytes + len(cached) <= _PAGE_CACHE_MAX_BYTES:
                    self._page_cache[key] = cached
                    self._cached_bytes += len(cached)
        return cached

    def _page_body(self, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        items = _filtered(self._listings[path], query)
        try:
            size = min(max(int(query.get("limit", ["100"])[0]), 1), _MAX_PAGE)
        except ValueError as exc:
            raise _BadRequest("limit must be an integer") from exc
        start = 0
        if "cursor" in query:
            start = _decode_cursor(query["cursor"][0], items)
        page = items[start : start + size]
        metadata: dict[str, Any] = {}
        if start + size < len(items):
            next_cursor = _encode_cursor(start + size, items[start + size])
            metadata["nextCursor"] = next_cursor
            # Offered as the live API offers it; a cursor client must not need it.
            next_query = {**query, "cursor": [next_cursor]}
            metadata["nextPage"] = f"{self.base_url}{path}?{urlencode(next_query, doseq=True)}"
        return {"items": page, "metadata": metadata}

    def _send_with_fault(
        self, handler: BaseHTTPRequestHandler, payload: bytes, fault: Fault | None
    ) -> None:
        if fault is Fault.RATE_LIMITED:
            _send_json(
                handler, 429, {"error": "Too Many Requests"}, {"Retry-After": self.retry_after}
            )
        elif fault is Fault.SERVER_ERROR:
            _send_json(handler, 500, {"error": "Internal Server Error"})
        elif fault is Fault.UNAVAILABLE:
            _send_bytes(
                handler, 503, b"<html><body>503 Service Unavailable</body></html>", "text/html"
            )
        elif fault is Fault.TRUNCATED:
            _send_bytes(handler, 200, payload[: len(payload) // 2], "application/json")
        elif fault is Fault.NOT_JSON:
            _send_bytes(
                handler, 200, b"<!DOCTYPE html><title>Just a moment...</title>", "text/html"
            )
        elif fault is Fault.RENAMED_ITEMS:
            body = json.loads(payload)
            _send_json(handler, 200, {"results": body["items"], "metadata": body["metadata"]})
        elif fault is Fault.ITEMS_NOT_A_LIST:
            body = json.loads(payload)
            _send_json(handler, 200, {"items": {"0": "?"}, "metadata": body["metadata"]})
        else:
            if fault is Fault.SLOW and self._stopping.wait(self.slow_s):
                return
            _send_bytes(handler, 200, payload, "application/json")


class _BadRequest(Exception):
    pass


def _as_values(value: str | int | Sequence[str]) -> list[str]:
    if isinstance(value, str | int):
        return [str(value)]
    return [str(one) for one in value]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        replay: ReplayServer,
    ) -> None:
        super().__init__(address, handler)
        self.replay = replay

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that timed out and hung up is part of the script, not a test failure.
        logger.debug(
            "replay server: connection from %s ended abruptly", client_address, exc_info=True
        )


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so shutting down never waits on an idle keep-alive.
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        assert isinstance(self.server, _Server)
        self.server.replay.respond(self)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("replay server: " + format, *args)


def _encode(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _send_json(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
) -> None:
    _send_bytes(handler, status, _encode(body), "application/json", headers)


def _send_bytes(
    handler: BaseHTTPRequestHandler,
    status: int,
    payload: bytes,
    content_type: str,
    headers: Mapping[str, str] | None = None,
) -> None:
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)
    except (BrokenPipeError, ConnectionResetError):
        logger.debug("replay server: client left before the response was written")


def _item_id(item: object) -> str:
    return str(item.get("id")) if isinstance(item, dict) else ""


def _encode_cursor(offset: int, item: object) -> str:
    # Offset plus the id found there: opaque to clients, and a cursor from another query (or a
    # corrupted one) is refused instead of silently paging from the wrong place.
    raw = f"{offset}|{_item_id(item)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, items: Sequence[object]) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        offset_text, item_id = raw.split("|", 1)
        offset = int(offset_text)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise _BadRequest(f"invalid cursor: {cursor!r}") from exc
    if not 0 <= offset < len(items) or _item_id(items[offset]) != item_id:
        raise _BadRequest(f"invalid cursor: {cursor!r}")
    return offset


def _filtered(
    items: Sequence[dict[str, Any]], query: Mapping[str, list[str]]
) -> list[dict[str, Any]]:
    selected = list(items)
    if "types" in query:
        wanted = {t.lower() for t in query["types"]}
        selected = [
            item
            for item in selected
            if isinstance(item, dict) and str(item.get("type", "")).lower() in wanted
        ]
    if "modelVersionId" in query:
        version = int(query["modelVersionId"][0])
        selected = [
            item
            for item in selected
            if isinstance(item, dict) and version in item.get("modelVersionIds", [])
        ]
    return selected


# --- recorded data -----------------------------------------------------------------------------
#
# Real items, reshaped to what the live API sends today (README: "How the live API differs").
# Models: the 2023 sample gains the current fields (integer nsfwLevel, thumbs stats, version
# status and availability) and its version images lose `id` and `meta`, as live ones have; the
# 2025 sample is served as recorded. Images: the 2023 showcase images in the `/api/v1/images`
# shape. What 2023 did not record is derived and deterministic: `createdAt` is the version's,
# `postId` is one synthetic post per version, reaction stats are zero, and
# `meta.civitaiResources` / `modelVersionIds` hold the version the image was posted under plus
# every `resources` / `hashes` entry whose AutoV2 hash matches a file in the sample.


@functools.cache
def _sample_models_2023(data_dir: Path) -> tuple[dict[str, Any], ...]:
    path = data_dir / "models-sample.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return tuple(json.loads(line) for line in lines if line.strip())


@functools.cache
def _model_2025(data_dir: Path) -> dict[str, Any]:
    path = data_dir / API_SAMPLE
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def recorded_model_items(data_dir: Path) -> list[dict[str, Any]]:
    """`/api/v1/models` items, current shape, ordered as "Most Downloaded"."""
    items = [_model_to_current(model) for model in _sample_models_2023(data_dir)]
    items.append(copy.deepcopy(_model_2025(data_dir)))
    items.sort(key=lambda m: (-int(m["stats"]["downloadCount"]), int(m["id"])))
    return items


def recorded_image_items(data_dir: Path) -> list[dict[str, Any]]:
    """`/api/v1/images?withMeta=true` items built from the 2023 showcase images, newest first."""
    models = _sample_models_2023(data_dir)
    by_autov2 = _versions_by_autov2(models)
    images = [
        _image_to_current(image, model, version, by_autov2)
        for model in models
        for version in model["modelVersions"]
        for image in version["images"]
    ]
    images.sort(key=lambda i: (i["createdAt"], i["id"]), reverse=True)
    return images


@functools.cache
def _recorded_listings(data_dir: Path) -> Mapping[str, tuple[dict[str, Any], ...]]:
    return {
        MODELS_PATH: tuple(recorded_model_items(data_dir)),
        IMAGES_PATH: tuple(recorded_image_items(data_dir)),
    }


def recorded_listings(data_dir: Path) -> dict[str, Sequence[dict[str, Any]]]:
    """Both listings from the shared data; built once per session, since servers only read them."""
    return dict(_recorded_listings(data_dir))


def _model_to_current(model_2023: Mapping[str, Any]) -> dict[str, Any]:
    model = {k: copy.deepcopy(v) for k, v in model_2023.items() if k != "modelVersions"}
    old_stats = model.get("stats") or {}
    versions = [
        _version_to_current(v, i) for i, v in enumerate(model_2023.get("modelVersions", []))
    ]
    model.update(
        minor=False,
        sfwOnly=False,
        nsfwLevel=_or_levels(v["nsfwLevel"] for v in versions),
        availability="Public",
        cosmetic=None,
        supportsGeneration=False,
        # The live API retired favourites and star ratings (they read 0) in favour of thumbs;
        # the 2023 review count is the nearest thing to a thumbs-up count.
        stats={
            "downloadCount": old_stats.get("downloadCount", 0),
            "favoriteCount": 0,
            "thumbsUpCount": old_stats.get("ratingCount", 0),
            "thumbsDownCount": 0,
            "commentCount": old_stats.get("commentCount", 0),
            "ratingCount": 0,
            "rating": 0,
            "tippedAmountCount": 0,
        },
        modelVersions=versions,
    )
    return model


def _version_to_current(version_2023: Mapping[str, Any], index: int) -> dict[str, Any]:
    version = {
        k: copy.deepcopy(v)
        for k, v in version_2023.items()
        if k not in ("modelId", "updatedAt", "earlyAccessTimeFrame", "images")
    }
    # The live API leaves these out when empty rather than sending [] or null.
    if not version.get("trainedWords"):
        version.pop("trainedWords", None)
    if not version.get("description"):
        version.pop("description", None)
    images = [_version_image_to_current(image) for image in version_2023.get("images", [])]
    old_stats = version_2023.get("stats") or {}
    version.update(
        index=index,
        baseModelType="Standard",
        publishedAt=version_2023.get("createdAt"),
        status="Published",
        availability="Public",
        nsfwLevel=_or_levels(image["nsfwLevel"] for image in images),
        covered=False,
        stats={
            "downloadCount": old_stats.get("downloadCount", 0),
            "ratingCount": 0,
            "rating": 0,
            "thumbsUpCount": old_stats.get("ratingCount", 0),
            "thumbsDownCount": 0,
        },
        images=images,
    )
    return version


def _version_image_to_current(image: Mapping[str, Any]) -> dict[str, Any]:
    # Version images in the live model listing carry no id and no meta (see the 2025 sample).
    meta = image.get("meta") or {}
    return {
        "url": image["url"],
        "nsfwLevel": _LEVEL_BITS.get(str(image.get("nsfw")), 1),
        "width": image.get("width"),
        "height": image.get("height"),
        "hash": image.get("hash"),
        "type": "image",
        "minor": False,
        "poi": False,
        "hasMeta": bool(meta),
        "hasPositivePrompt": bool(meta.get("prompt")),
        "onSite": False,
        "remixOfId": None,
    }


def _image_to_current(
    image: Mapping[str, Any],
    model: Mapping[str, Any],
    version: Mapping[str, Any],
    by_autov2: Mapping[str, tuple[Mapping[str, Any], Mapping[str, Any]]],
) -> dict[str, Any]:
    level = str(image.get("nsfw") or "None")
    meta = copy.deepcopy(image.get("meta"))
    resources = _civitai_resources(meta, model, version, by_autov2)
    if isinstance(meta, dict):
        meta["civitaiResources"] = resources
    return {
        "id": image["id"],
        "url": image["url"],
        "hash": image.get("hash"),
        "width": image.get("width"),
        "height": image.get("height"),
        "type": "image",
        "nsfw": level != "None",
        "nsfwLevel": level,
        "browsingLevel": _LEVEL_BITS.get(level, 1),
        # The 2023 showcase images carry no date or post of their own; their version's do.
        "createdAt": version.get("createdAt"),
        "postId": _POST_ID_OFFSET + int(version["id"]),
        "username": (model.get("creator") or {}).get("username"),
        "baseModel": version.get("baseModel"),
        "modelVersionIds": sorted({int(r["modelVersionId"]) for r in resources}),
        "stats": {
            "likeCount": 0,
            "heartCount": 0,
            "laughCount": 0,
            "cryCount": 0,
            "dislikeCount": 0,
            "commentCount": 0,
        },
        "meta": meta,
    }


def _civitai_resources(
    meta: Any,
    model: Mapping[str, Any],
    version: Mapping[str, Any],
    by_autov2: Mapping[str, tuple[Mapping[str, Any], Mapping[str, Any]]],
) -> list[dict[str, Any]]:
    """The version an image was posted under, plus every resource whose hash is in the sample."""
    named: list[tuple[str, float | None]] = []
    if isinstance(meta, dict):
        for resource in meta.get("resources") or []:
            if isinstance(resource, dict) and resource.get("hash"):
                named.append((str(resource["hash"]), _weight(resource.get("weight"))))
        hashes = meta.get("hashes")
        if isinstance(hashes, dict):
            named.extend((str(value), None) for value in hashes.values())
    found: dict[int, dict[str, Any]] = {}
    found[int(version["id"])] = _resource(model, version, None)
    for autov2, weight in named:
        match = by_autov2.get(autov2.upper())
        if match is not None and int(match[1]["id"]) not in found:
            found[int(match[1]["id"])] = _resource(match[0], match[1], weight)
    return list(found.values())


def _resource(
    model: Mapping[str, Any], version: Mapping[str, Any], weight: float | None
) -> dict[str, Any]:
    kind = _RESOURCE_TYPES.get(str(model.get("type")), str(model.get("type", "")).lower())
    entry: dict[str, Any] = {
        "type": kind,
        "modelVersionId": int(version["id"]),
        "modelVersionName": version.get("name"),
    }
    if kind == "lora":
        entry["weight"] = 1.0 if weight is None else weight
    return entry


def _versions_by_autov2(
    models: Sequence[Mapping[str, Any]],
) -> dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]]:
    index: dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}
    for model in models:
        for version in model.get("modelVersions", []):
            for file in version.get("files", []):
                autov2 = (file.get("hashes") or {}).get("AutoV2")
                if autov2:
                    index.setdefault(str(autov2).upper(), (model, version))
    return index


def _or_levels(levels: Iterable[int]) -> int:
    combined = 0
    for level in levels:
        combined |= int(level)
    return combined or 1


def _weight(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def http_client() -> httpx.Client:
    """An httpx client for tests; the caller closes it.

    httpx loads the system CA bundle for every new client (about 0.1 s), which over dozens of
    tests costs more than the tests; the replay server is plain HTTP, so one shared context does.
    """
    return httpx.Client(verify=_tls_context())


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="session", name="recorded_replay_server")
def recorded_replay_server_fixture(shared_data: Path) -> Iterator[ReplayServer]:
    """One replay server over the recorded models and images; shut down after the session.

    `shared_data` (tests/conftest.py) locates the data: $ATELIER_SHARED_DATA, by default
    ../shared/civitai beside the repository.
    """
    if not (shared_data / API_SAMPLE).is_file():
        pytest.fail(f"the 2025 API sample is missing: {shared_data / API_SAMPLE}")
    with ReplayServer(recorded_listings(shared_data)) as server:
        yield server


@pytest.fixture(name="replay_server")
def replay_server_fixture(recorded_replay_server: ReplayServer) -> Iterator[ReplayServer]:
    """The session's replay server with no requests recorded and no faults scripted."""
    recorded_replay_server.reset()
    yield recorded_replay_server
    recorded_replay_server.reset()


@pytest.fixture(name="replay_base_url")
def replay_base_url_fixture(replay_server: ReplayServer) -> str:
    """The base URL of `replay_server`, for tests that only need somewhere to point a client."""
    return replay_server.base_url
