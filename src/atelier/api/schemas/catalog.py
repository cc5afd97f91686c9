"""Schemas of catalog pages: image detail, LoRA detail and the images made with a LoRA."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from atelier.api.schemas.favorites import ImageCardPublic
from atelier.ingest.levels import LEVEL_NAMES
from atelier.services.catalog_views import ImageDetail, LoraDetail, UsedResource, settings_of


class UsedResourcePublic(BaseModel):
    """A model version used to make the image: a LoRA (with its weight) or the checkpoint."""

    model_id: int
    version_id: int
    model_name: str
    version_name: str
    model_type: str
    is_lora: bool
    base_model: str | None
    weight: float | None
    # How Atelier knows: civitai, hash, addnet, resource, prompt_tag, checkpoint or posted.
    source: str
    posted_under: bool
    trigger_words: list[str]

    @classmethod
    def of(cls, resource: UsedResource) -> UsedResourcePublic:
        return cls(
            model_id=resource.model_id,
            version_id=resource.version_id,
            model_name=resource.model_name,
            version_name=resource.version_name,
            model_type=resource.model_type,
            is_lora=resource.is_lora,
            base_model=resource.base_model,
            weight=resource.weight,
            source=resource.source,
            posted_under=resource.posted,
            trigger_words=resource.trigger_words,
        )


class ImageDetailPublic(BaseModel):
    """An image page: the picture, its prompt and settings, the resources that made it."""

    id: int
    url: str
    width: int | None
    height: int | None
    blurhash: str | None
    content_level: int
    content_level_name: str
    prompt: str | None
    negative_prompt: str | None
    settings: dict[str, Any]
    checkpoint_name: str | None
    checkpoint_hash: str | None
    base_model: str | None
    username: str | None
    created_at: datetime | None
    like_count: int
    loras: list[UsedResourcePublic]
    other_resources: list[UsedResourcePublic]
    civitai_url: str
    saved: bool

    @classmethod
    def of(cls, detail: ImageDetail, *, saved: bool) -> ImageDetailPublic:
        image = detail.image
        resources = [UsedResourcePublic.of(r) for r in detail.resources]
        return cls(
            id=image.id,
            url=image.url,
            width=image.width,
            height=image.height,
            blurhash=image.blurhash,
            content_level=image.content_level,
            content_level_name=LEVEL_NAMES[image.content_level],
            prompt=image.prompt,
            negative_prompt=image.negative_prompt,
            settings=settings_of(image),
            checkpoint_name=image.checkpoint_name,
            checkpoint_hash=image.checkpoint_hash,
            base_model=image.base_model,
            username=image.username,
            created_at=image.created_at,
            like_count=image.like_count,
            loras=[r for r in resources if r.is_lora],
            other_resources=[r for r in resources if not r.is_lora],
            civitai_url=detail.civitai_url,
            saved=saved,
        )


class ModelFilePublic(BaseModel):
    """A downloadable file of a version."""

    name: str
    size_kb: float | None
    format: str | None
    is_primary: bool
    sha256: str | None
    download_url: str | None


class LoraVersionPublic(BaseModel):
    """One version of a LoRA."""

    id: int
    name: str
    base_model: str | None
    trigger_words: list[str]
    download_url: str | None
    created_at: datetime | None
    download_count: int
    files: list[ModelFilePublic]


class LoraStatsPublic(BaseModel):
    """Civitai's counters for the model."""

    download_count: int
    favorite_count: int
    thumbs_up_count: int
    comment_count: int
    rating: float
    rating_count: int


class LoraDetailPublic(BaseModel):
    """A LoRA page: what it is, how to trigger and download it, and a preview."""

    id: int
    name: str
    type: str
    creator: str | None
    description_html: str
    tags: list[str]
    nsfw: bool
    poi: bool
    content_level: int
    base_models: list[str]
    trigger_words: list[str]
    download_url: str | None
    civitai_url: str
    stats: LoraStatsPublic
    versions: list[LoraVersionPublic]
    preview: ImageCardPublic | None
    image_count: int
    saved: bool

    @classmethod
    def of(cls, detail: LoraDetail, *, saved: bool) -> LoraDetailPublic:
        model = detail.model
        versions = [
            LoraVersionPublic(
                id=view.version.id,
                name=view.version.name,
                base_model=view.version.base_model,
                trigger_words=list(view.version.trained_words or []),
                download_url=view.version.download_url,
                created_at=view.version.created_at,
                download_count=view.version.download_count,
                files=[
                    ModelFilePublic(
                        name=f.name,
                        size_kb=f.size_kb,
                        format=f.format,
                        is_primary=f.is_primary,
                        sha256=f.sha256,
                        download_url=f.download_url,
                    )
                    for f in view.files
                ],
            )
            for view in detail.versions
        ]
        latest = versions[0] if versions else None
        return cls(
            id=model.id,
            name=model.name,
            type=model.type,
            creator=model.creator,
            description_html=model.description_html,
            tags=list(model.tags or []),
            nsfw=model.nsfw,
            poi=model.poi,
            content_level=model.content_level,
            base_models=detail.base_models,
            trigger_words=latest.trigger_words if latest else [],
            download_url=latest.download_url if latest else None,
            civitai_url=detail.civitai_url,
            stats=LoraStatsPublic(
                download_count=model.download_count,
                favorite_count=model.favorite_count,
                thumbs_up_count=model.thumbs_up_count,
                comment_count=model.comment_count,
                rating=model.rating,
                rating_count=model.rating_count,
            ),
            versions=versions,
            preview=ImageCardPublic.of(detail.preview),
            image_count=detail.image_count,
            saved=saved,
        )


class ImageCardsPublic(BaseModel):
    """A page of image cards; pass `next_cursor` back as `cursor` for the next page."""

    data: list[ImageCardPublic]
    next_cursor: str | None
