"""LoRA pages: detail with versions, trigger words and downloads; the images made with it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from atelier.api.auth.deps import OptionalUser
from atelier.api.deps import DbSession
from atelier.api.routers.recommendations import RecommendDep
from atelier.api.schemas.catalog import ImageCardsPublic, LoraDetailPublic
from atelier.api.schemas.favorites import ImageCardPublic
from atelier.api.schemas.search import LoraHitsPublic, lora_hit
from atelier.errors import InvalidInputError
from atelier.services import favorites
from atelier.services.catalog_views import lora_detail, lora_images, visible_lora
from atelier.services.search.presenting import present_loras
from atelier.services.visibility import Visibility

router = APIRouter(prefix="/api/loras", tags=["loras"])

LoraId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Civitai model id of the LoRA")]


@router.get("/{lora_id}", summary="A LoRA with its versions, trigger words and download link")
def get_lora(lora_id: LoraId, db: DbSession, user: OptionalUser) -> LoraDetailPublic:
    detail = lora_detail(db, lora_id, Visibility.for_user(user))
    saved = user is not None and lora_id in favorites.saved_ids(db, user.id, "lora", [lora_id])
    return LoraDetailPublic.of(detail, saved=saved)


@router.get("/{lora_id}/images", summary="Images made with a LoRA, newest first")
def get_lora_images(
    lora_id: LoraId,
    db: DbSession,
    user: OptionalUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 24,
    cursor: Annotated[str | None, Query(max_length=32)] = None,
) -> ImageCardsPublic:
    before = None
    if cursor is not None:
        if not cursor.isdigit():
            raise InvalidInputError("cursor is not one this API gave out")
        before = int(cursor)
    cards, next_before = lora_images(
        db, lora_id, Visibility.for_user(user), limit=limit, before_id=before
    )
    return ImageCardsPublic(
        data=[c for c in (ImageCardPublic.of(card) for card in cards) if c is not None],
        next_cursor=None if next_before is None else str(next_before),
    )


@router.get("/{lora_id}/similar", summary="LoRAs like this one")
def similar_loras(
    lora_id: LoraId,
    db: DbSession,
    user: OptionalUser,
    recommend: RecommendDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 12,
) -> LoraHitsPublic:
    visibility = Visibility.for_user(user)
    # 404 unless the viewer may see it (the full detail, with its image count, costs 7 ms).
    visible_lora(db, lora_id, visibility)
    # Personalised order for a signed-in person; anonymous viewers get plain similarity.
    hits = recommend.similar(db, user, "loras", lora_id, visibility, limit)
    items = present_loras(db, hits, visibility, "", recommend.catalog.search.lora_cards)
    return LoraHitsPublic(
        data=[lora_hit(item) for item in items], total=len(items), next_cursor=None
    )
