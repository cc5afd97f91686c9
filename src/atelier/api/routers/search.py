"""Search: images and LoRAs side by side for one query, with filters and sorting."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from atelier.api.auth.deps import OptionalUser
from atelier.api.deps import DbSession
from atelier.api.schemas.search import (
    FacetsPublic,
    ImageHitsPublic,
    LoraHitsPublic,
    SearchResultsPublic,
    image_hit,
    lora_hit,
)
from atelier.api.search_deps import SearchDep
from atelier.errors import InvalidInputError
from atelier.ingest.levels import LEVEL_NAMES
from atelier.services.search.presenting import Presented, present_images, present_loras
from atelier.services.search.service import MAX_QUERY_CHARS, HitPage, Kind, SearchRequest
from atelier.services.search.snapshot import Filters
from atelier.services.visibility import Visibility

router = APIRouter(prefix="/api", tags=["search"])

MAX_LIMIT = 100
_CURSOR = re.compile(r"^i(\d{1,6})\.l(\d{1,6})$")


def _cursor(cursor: str | None) -> tuple[int, int]:
    if not cursor:
        return 0, 0
    match = _CURSOR.match(cursor)
    if match is None:
        raise InvalidInputError("cursor is not one this API gave out")
    return int(match.group(1)), int(match.group(2))


def _list(values: list[str] | None) -> tuple[str, ...]:
    # Accept both repeated parameters and comma-separated lists.
    items = [part.strip() for value in values or [] for part in value.split(",")]
    return tuple(dict.fromkeys(i for i in items if i))[:50]


def _check_known(values: tuple[str, ...], known: list[str], what: str) -> None:
    unknown = [v for v in values if v not in known]
    if unknown:
        raise InvalidInputError(f"unknown {what} {unknown[0]!r}; known: {', '.join(known)}")


def _image_hits(items: list[Presented], page: HitPage, cursor: str | None) -> ImageHitsPublic:
    return ImageHitsPublic(data=[image_hit(i) for i in items], total=page.total, next_cursor=cursor)


def _lora_hits(items: list[Presented], page: HitPage, cursor: str | None) -> LoraHitsPublic:
    return LoraHitsPublic(data=[lora_hit(i) for i in items], total=page.total, next_cursor=cursor)


@router.get("/search", summary="Images and LoRAs matching a description, side by side")
def search(
    db: DbSession,
    user: OptionalUser,
    service: SearchDep,
    q: Annotated[str, Query(max_length=10_000, description="a description or keywords")] = "",
    kind: Literal["all", "images", "loras"] = "all",
    limit: Annotated[int, Query(description="results per kind, clamped to 1..100")] = 24,
    cursor: Annotated[str | None, Query(max_length=32)] = None,
    sort: Literal["relevance", "newest", "popular"] = "relevance",
    base_model: Annotated[list[str] | None, Query(max_length=80)] = None,
    model_type: Annotated[list[str] | None, Query(max_length=40)] = None,
    max_level: Annotated[int | None, Query(ge=0, le=3, description="0 None .. 3 X")] = None,
    include_tags: Annotated[list[str] | None, Query(max_length=120)] = None,
    exclude_tags: Annotated[list[str] | None, Query(max_length=120)] = None,
) -> SearchResultsPublic:
    query = " ".join(q.split())[:MAX_QUERY_CHARS]
    limit = max(1, min(limit, MAX_LIMIT))
    image_offset, lora_offset = _cursor(cursor)
    facets = service.snapshot.facet_values()
    filters = Filters(
        base_models=_list(base_model),
        model_types=_list(model_type),
        include_tags=_list(include_tags),
        exclude_tags=_list(exclude_tags),
    )
    _check_known(filters.base_models, facets["base_models"], "base model")
    _check_known(filters.model_types, facets["model_types"], "model type")
    visibility = Visibility.for_user(user).capped(max_level)
    kinds: tuple[Kind, ...] = ("images", "loras") if kind == "all" else (kind,)
    # One call for both kinds: the service runs the LoRA half's image search beside the
    # image half's.
    request = SearchRequest(query, kinds, filters, sort, limit, image_offset, lora_offset)
    results: dict[Kind, HitPage] = service.search(request, visibility)

    def next_cursor(page: HitPage | None, kind_name: Kind) -> str | None:
        if page is None or page.next_offset is None:
            return None
        images_at = page.next_offset if kind_name == "images" else image_offset
        loras_at = page.next_offset if kind_name == "loras" else lora_offset
        return f"i{images_at}.l{loras_at}"

    image_page, lora_page = results.get("images"), results.get("loras")
    return SearchResultsPublic(
        query=query,
        semantic=service.semantic,
        images=None
        if image_page is None
        else _image_hits(
            present_images(db, image_page.hits, visibility, query),
            image_page,
            next_cursor(image_page, "images"),
        ),
        loras=None
        if lora_page is None
        else _lora_hits(
            present_loras(db, lora_page.hits, visibility, query, service.lora_cards),
            lora_page,
            next_cursor(lora_page, "loras"),
        ),
    )


@router.get("/search/facets", summary="The base models, model types and levels filters accept")
def facets(service: SearchDep) -> FacetsPublic:
    values = service.snapshot.facet_values()
    return FacetsPublic(
        base_models=values["base_models"],
        model_types=values["model_types"],
        content_levels=list(LEVEL_NAMES),
    )
