"""Detail views of the catalog: an image with its settings and LoRAs, a LoRA with its versions,
and the images made with a LoRA. Anything the viewer may not see is reported as not found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atelier.db.models import Image, ImageResource, Model, ModelFile, ModelVersion
from atelier.errors import NotFoundError
from atelier.services.favorites import ImageCard, image_cards
from atelier.services.visibility import Visibility

CIVITAI = "https://civitai.com"


@dataclass(frozen=True, slots=True)
class UsedResource:
    """A model version used to make an image, and how Atelier knows."""

    model_id: int
    version_id: int
    model_name: str
    version_name: str
    model_type: str
    is_lora: bool
    base_model: str | None
    weight: float | None
    source: str
    posted: bool
    trigger_words: list[str]


@dataclass(frozen=True, slots=True)
class ImageDetail:
    """Everything the image page shows."""

    image: Image
    resources: list[UsedResource]
    civitai_url: str


@dataclass(frozen=True, slots=True)
class VersionView:
    """One version of a LoRA with its files."""

    version: ModelVersion
    files: list[ModelFile]


@dataclass(frozen=True, slots=True)
class LoraDetail:
    """Everything the LoRA page shows."""

    model: Model
    versions: list[VersionView]
    preview: ImageCard | None
    image_count: int
    civitai_url: str
    base_models: list[str] = field(default_factory=list)


def image_detail(db: Session, image_id: int, visibility: Visibility) -> ImageDetail:
    """The image with the resources that made it, strongest evidence first."""
    image = visible_image(db, image_id, visibility)
    rows = db.execute(
        select(ImageResource, ModelVersion, Model)
        .join(ModelVersion, ModelVersion.id == ImageResource.version_id)
        .join(Model, Model.id == ImageResource.model_id)
        .where(ImageResource.image_id == image_id)
    ).all()
    resources = [
        UsedResource(
            model_id=model.id,
            version_id=version.id,
            model_name=model.name,
            version_name=version.name,
            model_type=model.type,
            is_lora=model.is_lora,
            base_model=version.base_model,
            weight=link.weight,
            source=link.source,
            posted=link.posted,
            trigger_words=list(version.trained_words or []),
        )
        for link, version, model in rows
    ]
    resources.sort(key=lambda r: (not r.is_lora, r.posted and r.source == "posted", r.model_name))
    return ImageDetail(image, resources, f"{CIVITAI}/images/{image.id}")


def visible_image(db: Session, image_id: int, visibility: Visibility) -> Image:
    """The image if this viewer may see it; NotFoundError otherwise (unknown or hidden)."""
    image = db.scalars(
        select(Image).where(Image.id == image_id, visibility.image_clause())
    ).one_or_none()
    if image is None:
        raise NotFoundError(f"no image {image_id}")
    return image


def visible_lora(db: Session, lora_id: int, visibility: Visibility) -> Model:
    """The LoRA if this viewer may see it; NotFoundError otherwise (unknown, hidden, not a
    LoRA)."""
    model = db.scalars(
        select(Model).where(Model.id == lora_id, Model.is_lora, visibility.model_clause())
    ).one_or_none()
    if model is None:
        raise NotFoundError(f"no LoRA {lora_id}")
    return model


def lora_image_ids(
    db: Session,
    lora_id: int,
    visibility: Visibility,
    *,
    limit: int,
    before_id: int | None = None,
) -> list[int]:
    """Ids of the images made with any version of this LoRA, newest id first (keyset paged)."""
    query = (
        select(ImageResource.image_id)
        .join(Image, Image.id == ImageResource.image_id)
        .where(ImageResource.model_id == lora_id, visibility.image_clause())
        .group_by(ImageResource.image_id)
        .order_by(ImageResource.image_id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(ImageResource.image_id < before_id)
    return list(db.scalars(query))


def lora_detail(db: Session, lora_id: int, visibility: Visibility) -> LoraDetail:
    """The LoRA with its versions (newest first) and files, and a preview the viewer may see."""
    model = visible_lora(db, lora_id, visibility)
    versions = list(
        db.scalars(
            select(ModelVersion)
            .where(ModelVersion.model_id == lora_id)
            .order_by(ModelVersion.position, ModelVersion.id.desc())
        )
    )
    files: dict[int, list[ModelFile]] = {}
    for file in db.scalars(
        select(ModelFile).where(ModelFile.version_id.in_([v.id for v in versions]))
    ):
        files.setdefault(file.version_id, []).append(file)
    preview_ids = lora_image_ids(db, lora_id, visibility, limit=1)
    image_count = len(lora_image_ids(db, lora_id, visibility, limit=10_000))
    cards = image_cards(db, preview_ids, visibility)
    base_models: list[str] = []
    for version in versions:
        if version.base_model and version.base_model not in base_models:
            base_models.append(version.base_model)
    return LoraDetail(
        model=model,
        versions=[VersionView(v, files.get(v.id, [])) for v in versions],
        preview=cards.get(preview_ids[0]) if preview_ids else None,
        image_count=image_count,
        civitai_url=f"{CIVITAI}/models/{model.id}",
        base_models=base_models,
    )


def lora_images(
    db: Session, lora_id: int, visibility: Visibility, *, limit: int, before_id: int | None
) -> tuple[list[ImageCard], int | None]:
    """A page of images made with the LoRA, and the id to continue before (None at the end)."""
    visible_lora(db, lora_id, visibility)
    ids = lora_image_ids(db, lora_id, visibility, limit=limit + 1, before_id=before_id)
    more = len(ids) > limit
    ids = ids[:limit]
    cards = image_cards(db, ids, visibility)
    return [cards[i] for i in ids if i in cards], (ids[-1] if more and ids else None)


def settings_of(image: Image) -> dict[str, Any]:
    """Generation settings worth showing, without empty ones."""
    values: dict[str, Any] = {
        "sampler": image.sampler,
        "steps": image.steps,
        "cfg_scale": image.cfg_scale,
        "seed": image.seed,
        "clip_skip": image.clip_skip,
        "size": image.size,
    }
    return {k: v for k, v in values.items() if v is not None}
