"""Resumable live ingest: page through a Civitai listing, committing each page with its cursor."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from atelier.ingest.civitai_api import ApiPage, CivitaiApiClient, ParamValue, check_cursor_advances

__all__ = [
    "LIVE_ENDPOINTS",
    "LiveEndpoint",
    "LiveIngestResult",
    "PageSink",
    "ingest_pages",
]

logger = logging.getLogger(__name__)

# Writes a page's items and stores `page.next_cursor` as the resume point in one transaction,
# returning how many items it wrote. Atomicity is what makes the loop resumable: a stored cursor
# always means "everything before this is in the database".
PageSink = Callable[[ApiPage], int]


@dataclass(frozen=True, slots=True)
class LiveEndpoint:
    """A Civitai listing and the query Atelier sends it by default."""

    name: str
    path: str
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def with_params(self, overrides: Mapping[str, ParamValue | None]) -> dict[str, ParamValue]:
        """The default query updated by `overrides`; a None value removes that key."""
        merged: dict[str, ParamValue] = dict(self.params)
        for key, value in overrides.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged


LIVE_ENDPOINTS: Final[Mapping[str, LiveEndpoint]] = MappingProxyType(
    {
        # `types` is left to the caller (e.g. {"types": ["LORA", "LoCon", "DoRA"]}); without it
        # every model type comes. 100 is the API's largest model page.
        "models": LiveEndpoint(
            name="models",
            path="/api/v1/models",
            params=MappingProxyType({"limit": 100, "sort": "Most Downloaded", "nsfw": "true"}),
        ),
        # Every content level is fetched; Atelier filters per person at read time, so a person
        # who opts in later does not need a re-crawl. `withMeta` carries the prompt and the
        # `civitaiResources` links. 200 is the API's largest image page.
        "images": LiveEndpoint(
            name="images",
            path="/api/v1/images",
            params=MappingProxyType({"limit": 200, "withMeta": "true", "nsfw": "X"}),
        ),
    }
)


@dataclass(frozen=True, slots=True)
class LiveIngestResult:
    """What a run did: pages and items written, where to resume, and whether the listing ended."""

    pages: int
    items: int
    last_cursor: str | None
    finished: bool


def ingest_pages(
    client: CivitaiApiClient,
    path: str,
    params: Mapping[str, ParamValue],
    sink: PageSink,
    *,
    start_cursor: str | None,
    limit: int | None,
    on_progress: Callable[[int], None] | None = None,
) -> LiveIngestResult:
    """Feed pages from `start_cursor` to `sink` until the listing ends or `limit` items are written.

    `last_cursor` is the cursor to resume from (the last page's `next_cursor`; None once the
    listing has ended). An error from the client or the sink propagates: whatever the sink
    committed before it, cursor included, stays committed, so the caller resumes from there.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0 or None, got {limit}")
    pages = 0
    items = 0
    cursor = start_cursor
    seen: set[str] = set() if cursor is None else {cursor}
    while limit is None or items < limit:
        page = client.fetch_page(path, _page_params(params, limit, items), cursor)
        written = sink(page)
        pages += 1
        items += written
        if on_progress is not None:
            on_progress(items)
        logger.info("%s: page %d committed, %d items (%d in this run)", path, pages, written, items)
        if page.next_cursor is None:
            return LiveIngestResult(pages=pages, items=items, last_cursor=None, finished=True)
        check_cursor_advances(page, seen)
        cursor = page.next_cursor
    return LiveIngestResult(pages=pages, items=items, last_cursor=cursor, finished=False)


def _page_params(
    params: Mapping[str, ParamValue], limit: int | None, written: int
) -> Mapping[str, ParamValue]:
    # Ask for no more than is still wanted, so a small `limit` neither overshoots nor downloads
    # a full page to throw most of it away. Cursors are positions, not page numbers, so a
    # smaller page does not shift what the next cursor points at.
    if limit is None or "limit" not in params:
        return params
    page_size = params["limit"]
    if not isinstance(page_size, int | str) or not str(page_size).isdigit():
        return params
    remaining = limit - written
    if remaining >= int(page_size):
        return params
    return {**params, "limit": remaining}
