"""Schemas of saved items: image and LoRA cards, a page of favorites, a save status."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from atelier.api.schemas import ItemType
from atelier.services.favorites import FavoriteEntry, FavoritesPage, ImageCard, LoraCard


class ImageCardPublic(BaseModel):
    """An image as a grid shows it."""

    id: int
    url: str
    width: int | None
    height: int | None
    blurhash: str | None
    prompt_excerpt: str
    content_level: int

    @classmethod
    def of(cls, card: ImageCard | None) -> ImageCardPublic | None:
        if card is None:
            return None
        return cls(
            id=card.id,
            url=card.url,
            width=card.width,
            height=card.height,
            blurhash=card.blurhash,
            prompt_excerpt=card.prompt_excerpt,
            content_level=card.content_level,
        )


class LoraCardPublic(BaseModel):
    """A LoRA as a list shows it."""

    id: int
    name: str
    creator: str | None
    base_model: str | None
    preview: ImageCardPublic | None

    @classmethod
    def of(cls, card: LoraCard | None) -> LoraCardPublic | None:
        if card is None:
            return None
        return cls(
            id=card.id,
            name=card.name,
            creator=card.creator,
            base_model=card.base_model,
            preview=ImageCardPublic.of(card.preview),
        )


class FavoritePublic(BaseModel):
    """One saved item; `image` or `lora` is set according to `item_type`."""

    item_type: ItemType
    item_id: int
    saved_at: datetime
    image: ImageCardPublic | None = None
    lora: LoraCardPublic | None = None

    @classmethod
    def of(cls, entry: FavoriteEntry) -> FavoritePublic:
        return cls(
            item_type="image" if entry.item_type == "image" else "lora",
            item_id=entry.item_id,
            saved_at=entry.saved_at,
            image=ImageCardPublic.of(entry.image),
            lora=LoraCardPublic.of(entry.lora),
        )


class FavoritesPublic(BaseModel):
    """A page of saved items, newest first; `count` is every visible one, `next_cursor` the
    next page's (null on the last page)."""

    data: list[FavoritePublic]
    count: int
    next_cursor: str | None

    @classmethod
    def of(cls, page: FavoritesPage) -> FavoritesPublic:
        return cls(
            data=[FavoritePublic.of(e) for e in page.items],
            count=page.count,
            next_cursor=page.next_cursor,
        )


class FavoriteStatus(BaseModel):
    """Whether the item is saved after the request."""

    item_type: ItemType
    item_id: int
    saved: bool
