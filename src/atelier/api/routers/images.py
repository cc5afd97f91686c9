"""Image pages: detail with prompt, settings and the LoRAs used."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from atelier.api.auth.deps import OptionalUser
from atelier.api.deps import DbSession
from atelier.api.routers.recommendations import RecommendDep
from atelier.api.schemas.catalog import ImageDetailPublic
from atelier.api.schemas.search import ImageHitsPublic, LoraHitsPublic, image_hit, lora_hit
from atelier.api.search_deps import SearchDep
from atelier.services import favorites
from atelier.services.catalog_views import image_detail, visible_image
from atelier.services.search.presenting import present_images, present_loras
from atelier.services.visibility import Visibility

router = APIRouter(prefix="/api/images", tags=["images"])

ImageId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Civitai image id")]


@router.get("/{image_id}", summary="An image with its prompt, settings and the LoRAs used")
def get_image(image_id: ImageId, db: DbSession, user: OptionalUser) -> ImageDetailPublic:
    detail = image_detail(db, image_id, Visibility.for_user(user))
    saved = user is not None and image_id in favorites.saved_ids(db, user.id, "image", [image_id])
    return ImageDetailPublic.of(detail, saved=saved)


@router.get("/{image_id}/similar", summary="Images like this one (more like this)")
def similar_images(
    image_id: ImageId,
    db: DbSession,
    user: OptionalUser,
    recommend: RecommendDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 24,
) -> ImageHitsPublic:
    visibility = Visibility.for_user(user)
    # 404 unless the viewer may see it (one query; the full detail joins every resource).
    visible_image(db, image_id, visibility)
    # Personalised order for a signed-in person; anonymous viewers get plain similarity.
    hits = recommend.similar(db, user, "images", image_id, visibility, limit)
    items = present_images(db, hits, visibility, "")
    return ImageHitsPublic(
        data=[image_hit(item) for item in items], total=len(items), next_cursor=None
    )


@router.get("/{image_id}/loras", summary="Which LoRAs make this look")
def loras_for_image(
    image_id: ImageId,
    db: DbSession,
    user: OptionalUser,
    service: SearchDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 12,
) -> LoraHitsPublic:
    visibility = Visibility.for_user(user)
    visible_image(db, image_id, visibility)
    hits = service.loras_for_image(image_id, visibility, limit)
    items = present_loras(db, hits, visibility, "", service.lora_cards)
    return LoraHitsPublic(
        data=[lora_hit(item) for item in items], total=len(items), next_cursor=None
    )
