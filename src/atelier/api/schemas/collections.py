"""Schemas of collections: create, rename, items, order, and their public forms."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from atelier.api.auth.sessions import as_utc
from atelier.api.schemas import CatalogId, ItemType, PlainText
from atelier.api.schemas.favorites import ImageCardPublic, LoraCardPublic
from atelier.services.collections import (
    MAX_ITEMS,
    NAME_MAX,
    CollectionDetail,
    CollectionSummary,
)

# Room for surrounding spaces, which are trimmed before the 1-120 check.
CollectionName = Annotated[PlainText, Field(min_length=1, max_length=NAME_MAX + 40)]


class CollectionCreate(BaseModel):
    """A new collection's name (trimmed, 1-120 characters, unique for you)."""

    model_config = ConfigDict(extra="forbid")

    name: CollectionName


class CollectionUpdate(BaseModel):
    """A new name."""

    model_config = ConfigDict(extra="forbid")

    name: CollectionName


class ItemRef(BaseModel):
    """An image or LoRA by its Civitai id."""

    model_config = ConfigDict(extra="forbid")

    item_type: ItemType
    item_id: CatalogId


class CollectionOrder(BaseModel):
    """Every item of the collection, in the wanted order."""

    model_config = ConfigDict(extra="forbid")

    items: list[ItemRef] = Field(max_length=MAX_ITEMS)


class CollectionPublic(BaseModel):
    """A collection with its number of items."""

    id: int
    name: str
    is_private: bool
    created_at: datetime
    updated_at: datetime
    item_count: int

    @classmethod
    def of(cls, summary: CollectionSummary) -> CollectionPublic:
        c = summary.collection
        return cls(
            id=c.id,
            name=c.name,
            is_private=c.is_private,
            created_at=as_utc(c.created_at),
            updated_at=as_utc(c.updated_at),
            item_count=summary.item_count,
        )


class CollectionsPublic(BaseModel):
    """All your collections."""

    data: list[CollectionPublic]
    count: int


class CollectionItemPublic(BaseModel):
    """One item of a collection; `image` or `lora` is set according to `item_type`."""

    item_type: ItemType
    item_id: int
    position: int
    added_at: datetime
    image: ImageCardPublic | None = None
    lora: LoraCardPublic | None = None


class CollectionDetailPublic(CollectionPublic):
    """A collection with its items in order (items you may not see now are left out)."""

    items: list[CollectionItemPublic]

    @classmethod
    def of_detail(cls, found: CollectionDetail) -> CollectionDetailPublic:
        base = CollectionPublic.of(found.summary)
        return cls(
            **base.model_dump(),
            items=[
                CollectionItemPublic(
                    item_type="image" if e.item_type == "image" else "lora",
                    item_id=e.item_id,
                    position=e.position,
                    added_at=e.added_at,
                    image=ImageCardPublic.of(e.image),
                    lora=LoraCardPublic.of(e.lora),
                )
                for e in found.items
            ],
        )
