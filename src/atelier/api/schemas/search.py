"""Schemas of search results: images and LoRAs side by side, each with its score and why."""

from __future__ import annotations

from pydantic import BaseModel

from atelier.api.schemas.favorites import ImageCardPublic, LoraCardPublic
from atelier.services.favorites import ImageCard, LoraCard
from atelier.services.search.presenting import Presented


class MatchPublic(BaseModel):
    """Why an item is in the results."""

    score: float
    why: str
    matched_terms: list[str]


class ImageHitPublic(BaseModel):
    """An image result."""

    image: ImageCardPublic
    match: MatchPublic


class LoraHitPublic(BaseModel):
    """A LoRA result."""

    lora: LoraCardPublic
    match: MatchPublic


class ImageHitsPublic(BaseModel):
    """A page of image results; `next_cursor` continues it."""

    data: list[ImageHitPublic]
    total: int
    next_cursor: str | None


class LoraHitsPublic(BaseModel):
    """A page of LoRA results; `next_cursor` continues it."""

    data: list[LoraHitPublic]
    total: int
    next_cursor: str | None


class SearchResultsPublic(BaseModel):
    """Images and LoRAs for one query; a kind not asked for is null."""

    query: str
    # False while the vector index is being built: results are keyword-only.
    semantic: bool
    images: ImageHitsPublic | None
    loras: LoraHitsPublic | None


class FacetsPublic(BaseModel):
    """Values the filters accept."""

    base_models: list[str]
    model_types: list[str]
    content_levels: list[str]


def _match(item: Presented) -> MatchPublic:
    return MatchPublic(score=item.hit.score, why=item.hit.why, matched_terms=item.matched_terms)


def image_hit(item: Presented) -> ImageHitPublic:
    """The public form of a presented image hit."""
    assert isinstance(item.card, ImageCard)
    card = ImageCardPublic.of(item.card)
    assert card is not None
    return ImageHitPublic(image=card, match=_match(item))


def lora_hit(item: Presented) -> LoraHitPublic:
    """The public form of a presented LoRA hit."""
    assert isinstance(item.card, LoraCard)
    card = LoraCardPublic.of(item.card)
    assert card is not None
    return LoraHitPublic(lora=card, match=_match(item))
