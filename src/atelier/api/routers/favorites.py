"""Saving images and LoRAs, and listing what you saved."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from atelier.api.auth.deps import CsrfProtected, CurrentUser
from atelier.api.deps import DbSession
from atelier.api.routers.interactions import InteractionListeners
from atelier.api.schemas.favorites import FavoritesPublic, FavoriteStatus
from atelier.services import favorites
from atelier.services.visibility import Visibility

router = APIRouter(prefix="/api/favorites", tags=["favorites"], dependencies=[CsrfProtected])

ItemId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Civitai id")]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "not in the catalog"}}


@router.get("", summary="List your saved images or LoRAs, newest first")
def list_favorites(
    user: CurrentUser,
    db: DbSession,
    kind: Literal["images", "loras"] = "images",
    limit: Annotated[int, Query(ge=1, le=favorites.MAX_PAGE)] = 30,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> FavoritesPublic:
    item_type = "image" if kind == "images" else "lora"
    page = favorites.list_favorites(
        db, user.id, item_type, Visibility.for_user(user), limit, cursor
    )
    return FavoritesPublic.of(page)


@router.put("/images/{item_id}", summary="Save an image", responses=_NOT_FOUND)
def save_image(
    item_id: ItemId, user: CurrentUser, db: DbSession, subscribers: InteractionListeners
) -> FavoriteStatus:
    favorites.save(db, user.id, "image", item_id, subscribers)
    return FavoriteStatus(item_type="image", item_id=item_id, saved=True)


@router.delete(
    "/images/{item_id}", summary="Remove an image from your saved items", responses=_NOT_FOUND
)
def unsave_image(
    item_id: ItemId, user: CurrentUser, db: DbSession, subscribers: InteractionListeners
) -> FavoriteStatus:
    favorites.unsave(db, user.id, "image", item_id, subscribers)
    return FavoriteStatus(item_type="image", item_id=item_id, saved=False)


@router.put("/loras/{item_id}", summary="Save a LoRA", responses=_NOT_FOUND)
def save_lora(
    item_id: ItemId, user: CurrentUser, db: DbSession, subscribers: InteractionListeners
) -> FavoriteStatus:
    favorites.save(db, user.id, "lora", item_id, subscribers)
    return FavoriteStatus(item_type="lora", item_id=item_id, saved=True)


@router.delete(
    "/loras/{item_id}", summary="Remove a LoRA from your saved items", responses=_NOT_FOUND
)
def unsave_lora(
    item_id: ItemId, user: CurrentUser, db: DbSession, subscribers: InteractionListeners
) -> FavoriteStatus:
    favorites.unsave(db, user.id, "lora", item_id, subscribers)
    return FavoriteStatus(item_type="lora", item_id=item_id, saved=False)
