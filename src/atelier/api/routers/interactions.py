"""The interaction log: record what a person did (one event or a batch), read your own back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from atelier.api.auth.deps import CsrfProtected, CurrentUser
from atelier.api.deps import DbSession, StateDep
from atelier.api.schemas.interactions import (
    InteractionBatch,
    InteractionCreate,
    InteractionPublic,
    InteractionsAccepted,
    InteractionsPublic,
)
from atelier.services import interactions

router = APIRouter(prefix="/api/interactions", tags=["interactions"], dependencies=[CsrfProtected])


async def get_listeners(state: StateDep) -> list[interactions.Listener]:
    """The in-process subscribers to taste events (the recommender adds itself at startup)."""
    return interactions.listeners(state.services)


InteractionListeners = Annotated[list[interactions.Listener], Depends(get_listeners)]


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Record one interaction, or a batch of up to 100",
    responses={404: {"description": "an item is not in the catalog"}},
)
def record_interactions(
    body: InteractionCreate | InteractionBatch,
    user: CurrentUser,
    db: DbSession,
    subscribers: InteractionListeners,
) -> InteractionsAccepted:
    events = body.events if isinstance(body, InteractionBatch) else [body]
    accepted = interactions.log_events(
        db, user.id, [(e.item_type, e.item_id, e.kind) for e in events], subscribers
    )
    return InteractionsAccepted(accepted=accepted)


@router.get("", summary="List your latest interactions, newest first")
def list_interactions(
    user: CurrentUser, db: DbSession, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> InteractionsPublic:
    events = interactions.recent_events(db, user.id, limit)
    return InteractionsPublic(data=[InteractionPublic.of(e) for e in events], count=len(events))
