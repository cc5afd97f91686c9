"""Schemas of the interaction log: one event, a batch, and what was accepted."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from atelier.api.schemas import CatalogId, ItemType
from atelier.services.interactions import MAX_BATCH, InteractionEvent

Kind = Literal["view", "click", "like", "dislike", "save", "unsave", "hide"]


class InteractionCreate(BaseModel):
    """One thing a person did with an image or LoRA."""

    model_config = ConfigDict(extra="forbid")

    item_type: ItemType
    item_id: CatalogId
    kind: Kind


class InteractionBatch(BaseModel):
    """Up to 100 events in one request (stored with one INSERT)."""

    model_config = ConfigDict(extra="forbid")

    events: list[InteractionCreate] = Field(min_length=1, max_length=MAX_BATCH)


class InteractionsAccepted(BaseModel):
    """How many events were stored."""

    accepted: int


class InteractionPublic(BaseModel):
    """A logged event."""

    item_type: ItemType
    item_id: int
    kind: Kind
    created_at: datetime

    @classmethod
    def of(cls, event: InteractionEvent) -> InteractionPublic:
        return cls.model_validate(
            {
                "item_type": event.item_type,
                "item_id": event.item_id,
                "kind": event.kind,
                "created_at": event.created_at,
            }
        )


class InteractionsPublic(BaseModel):
    """Your latest events, newest first."""

    data: list[InteractionPublic]
    count: int
