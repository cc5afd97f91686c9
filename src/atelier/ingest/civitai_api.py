"""HTTP client for Civitai's public REST API: cursor paging, retries with backoff, typed errors."""

from __future__ import annotations

import email.utils
import logging
import math
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Final, Self

import httpx
import orjson

from atelier import __version__
from atelier.errors import IngestError

__all__ = [
    "DEFAULT_BASE_URL",
    "USER_AGENT",
    "ApiPage",
    "CivitaiApiClient",
    "CivitaiApiError",
    "CivitaiHTTPError",
    "CivitaiRetriesExhausted",
    "CivitaiShapeError",
    "CivitaiUnreachable",
    "ParamValue",
    "check_cursor_advances",
]

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://civitai.com"
USER_AGENT: Final = f"Atelier/{__version__} (catalog ingest; +https://civitai.com/api/v1)"

# A query value; a sequence becomes a repeated key (`types=LORA&types=LoCon`), which is how
# Civitai takes several values for one filter.
ParamValue = str | int | Sequence[str]

# Civitai caps page-number paging (`page * limit > 1000` answers 429), so the client refuses it
# outright rather than let a caller stumble into a wall a thousand items in.
_FORBIDDEN_PARAMS: Final = frozenset({"page", "cursor"})

# A bogus or hostile Retry-After must not park an ingest run for days.
_RETRY_AFTER_MAX_S: Final = 900.0

# With no route to Civitai at all, the person should hear so in seconds, not after a minute of
# backoff; once the host has answered, a connection error is treated as a transient blip.
_FIRST_CONTACT_RETRIES: Final = 1

_RETRYABLE_STATUS: Final = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 524})

_UNREACHABLE_HINT: Final = (
    "Civitai is unreachable from this machine; import a dump instead: set "
    "ATELIER_IMPORT=/path/to/models.jsonl.gz or run `atelier ingest file PATH`"
)


class CivitaiApiError(IngestError):
    """Base of every error this client raises; `url` is the request that failed."""

    # The failure is upstream of Atelier, so a web caller sees a gateway error, not a bug.
    status_code = 502

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class CivitaiUnreachable(CivitaiApiError):
    """No connection to Civitai could be made at all (no network, DNS failure, refused)."""


class CivitaiRetriesExhausted(CivitaiApiError):
    """Civitai kept answering with retryable failures (429, 5xx, timeouts, broken bodies)."""

    def __init__(self, message: str, *, url: str, attempts: int, last_problem: str) -> None:
        super().__init__(message, url=url)
        self.attempts = attempts
        self.last_problem = last_problem


class CivitaiHTTPError(CivitaiApiError):
    """Civitai answered with a status that retrying will not fix (400, 401, 403, 404, ...)."""

    def __init__(self, message: str, *, url: str, status_code: int) -> None:
        super().__init__(message, url=url)
        self.status_code = status_code


class CivitaiShapeError(CivitaiApiError):
    """A page parsed as JSON but not in the shape Atelier knows (`items` missing or not a list)."""


@dataclass(frozen=True, slots=True)
class ApiPage:
    """One page of a listing: its items, the cursor that fetched it, and the next one."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    cursor: str | None
    url: str


class _Retryable(Exception):
    """Internal signal: this attempt failed in a way another attempt may fix."""

    def __init__(self, problem: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.retry_after_s = retry_after_s


class _ConnectFailed(_Retryable):
    """Internal signal: no connection was made, so the host may be unreachable."""


class CivitaiApiClient:
    """Fetches listing pages from Civitai, retrying what is worth retrying."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        http: httpx.Client | None = None,
        api_key: str | None = None,
        max_retries: int = 6,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 60.0,
        timeout_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        if backoff_base_s < 0 or backoff_cap_s < 0:
            raise ValueError("backoff_base_s and backoff_cap_s must be >= 0")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.timeout_s = timeout_s
        self._sleep = sleep
        self._api_key = api_key
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client()
        # Seeded from the OS: jitter exists so that many clients do not retry in lockstep.
        self._rng = random.Random()
        self._host_answered = False

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def iter_pages(
        self,
        path: str,
        params: Mapping[str, ParamValue],
        start_cursor: str | None = None,
    ) -> Iterator[ApiPage]:
        """Yield pages from `start_cursor` (or the start) until `metadata.nextCursor` is absent."""
        cursor = start_cursor
        seen: set[str] = set() if cursor is None else {cursor}
        while True:
            page = self.fetch_page(path, params, cursor)
            yield page
            if page.next_cursor is None:
                return
            check_cursor_advances(page, seen)
            cursor = page.next_cursor

    def fetch_page(
        self,
        path: str,
        params: Mapping[str, ParamValue],
        cursor: str | None,
    ) -> ApiPage:
        """Fetch one page at `cursor` (None for the first), retrying transient failures."""
        forbidden = _FORBIDDEN_PARAMS.intersection(params)
        if forbidden:
            raise ValueError(
                f"params must not contain {sorted(forbidden)}: paging is by the `cursor` "
                "argument only (Civitai caps page-number paging)"
            )
        query = _query_pairs(params, cursor)
        url = str(httpx.URL(self.base_url + "/" + path.lstrip("/"), params=query))
        attempts = 0
        while True:
            attempts += 1
            try:
                body = self._attempt(url)
            except _Retryable as failure:
                retries_allowed = self.max_retries
                if isinstance(failure, _ConnectFailed) and not self._host_answered:
                    retries_allowed = min(retries_allowed, _FIRST_CONTACT_RETRIES)
                if attempts > retries_allowed:
                    raise self._give_up(url, attempts, failure) from None
                delay = self._delay(attempts - 1, failure.retry_after_s)
                logger.warning(
                    "Civitai request failed (%s), retry %d/%d in %.1fs: %s",
                    failure.problem,
                    attempts,
                    retries_allowed,
                    delay,
                    url,
                )
                self._sleep(delay)
                continue
            return _parse_page(body, url=url, cursor=cursor)

    def _attempt(self, url: str) -> Any:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        try:
            response = self._http.get(
                url, headers=headers, timeout=self.timeout_s, follow_redirects=True
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise _ConnectFailed(f"cannot connect: {_describe(exc)}") from exc
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timed out after {self.timeout_s:g}s: {_describe(exc)}") from exc
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise _Retryable(f"connection broke: {_describe(exc)}") from exc
        except httpx.TransportError as exc:
            # Unsupported scheme, proxy misconfiguration, ...: retrying cannot help.
            raise CivitaiApiError(f"cannot request {url}: {_describe(exc)}", url=url) from exc
        self._host_answered = True
        status = response.status_code
        if status in _RETRYABLE_STATUS:
            raise _Retryable(f"HTTP {status}", retry_after_s=_parse_retry_after(response.headers))
        if not 200 <= status < 300:
            raise CivitaiHTTPError(_http_error_message(response, url), url=url, status_code=status)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            # A 200 whose body does not parse is a cut-off transfer or a proxy's HTML page;
            # either tends to go away on the next attempt.
            raise _Retryable(
                f"HTTP {status} with a body that is not JSON ({len(response.content)} bytes: {exc})"
            ) from exc

    def _delay(self, retry_index: int, retry_after_s: float | None) -> float:
        if retry_after_s is not None:
            return min(max(retry_after_s, 0.0), _RETRY_AFTER_MAX_S)
        ceiling = min(self.backoff_cap_s, self.backoff_base_s * 2.0**retry_index)
        # "Equal jitter": at least half the exponential step, so retries really back off,
        # plus a random half, so that clients that failed together do not retry together.
        return ceiling / 2.0 + self._rng.uniform(0.0, ceiling / 2.0)

    def _give_up(self, url: str, attempts: int, failure: _Retryable) -> CivitaiApiError:
        if isinstance(failure, _ConnectFailed):
            return CivitaiUnreachable(
                f"{_UNREACHABLE_HINT}. (Tried {url} {attempts} time(s); last error: "
                f"{failure.problem}. A live run resumes from its last stored cursor when "
                "started again.)",
                url=url,
            )
        return CivitaiRetriesExhausted(
            f"Civitai still failing after {attempts} attempts ({failure.problem}) for {url}; "
            "try again later: a live run resumes from its last stored cursor",
            url=url,
            attempts=attempts,
            last_problem=failure.problem,
        )


def check_cursor_advances(page: ApiPage, seen: set[str]) -> None:
    """Raise if `page.next_cursor` was already visited, which would loop forever; record it."""
    if page.next_cursor is None:
        return
    if page.next_cursor in seen:
        raise CivitaiShapeError(
            f"Civitai returned cursor {page.next_cursor!r} again at {page.url}; "
            "stopping rather than paging in a loop",
            url=page.url,
        )
    seen.add(page.next_cursor)


def _query_pairs(params: Mapping[str, ParamValue], cursor: str | None) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if isinstance(value, bool):
            pairs.append((key, "true" if value else "false"))
        elif isinstance(value, str | int):
            pairs.append((key, str(value)))
        else:
            pairs.extend((key, str(one)) for one in value)
    if cursor is not None:
        pairs.append(("cursor", cursor))
    return pairs


def _parse_page(body: Any, *, url: str, cursor: str | None) -> ApiPage:
    if not isinstance(body, dict):
        raise CivitaiShapeError(f"expected a JSON object from {url}, found {_kind(body)}", url=url)
    raw_items = body.get("items")
    if not isinstance(raw_items, list):
        found = "no `items` key" if "items" not in body else f"`items` is {_kind(raw_items)}"
        raise CivitaiShapeError(
            f"the response shape changed at {url}: {found} (top-level keys: {sorted(body)})",
            url=url,
        )
    items: list[dict[str, Any]] = []
    for position, item in enumerate(raw_items):
        if isinstance(item, dict):
            items.append(item)
        else:
            logger.warning(
                "dropping item %d of %s: expected an object, found %s",
                position,
                url,
                _kind(item),
            )
    return ApiPage(items=items, next_cursor=_next_cursor(body, url), cursor=cursor, url=url)


def _next_cursor(body: dict[str, Any], url: str) -> str | None:
    if "metadata" not in body:
        # Fields come and go; with no paging metadata there is no way on, so this is the end.
        logger.warning("no `metadata` in the response from %s; treating it as the last page", url)
        return None
    metadata = body["metadata"]
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise CivitaiShapeError(
            f"the response shape changed at {url}: `metadata` is {_kind(metadata)}", url=url
        )
    value = metadata.get("nextCursor")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CivitaiShapeError(
            f"the response shape changed at {url}: `metadata.nextCursor` is {_kind(value)}",
            url=url,
        )
    return str(value)


def _parse_retry_after(headers: httpx.Headers) -> float | None:
    raw = headers.get("Retry-After")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        logger.warning("ignoring an unreadable Retry-After header: %r", raw)
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _http_error_message(response: httpx.Response, url: str) -> str:
    status = response.status_code
    excerpt = response.text[:200].strip().replace("\n", " ")
    hint = ""
    if status in (401, 403):
        hint = " (check the Civitai API key; some listings need one)"
    elif status == 400:
        hint = " (a stored resume cursor may be stale: start the run afresh)"
    return f"Civitai answered HTTP {status} for {url}{hint}: {excerpt or '<empty body>'}"


def _describe(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__} ({str(value)[:60]!r})"
