"""The interaction log: validated, append-only events, and listeners told about taste signals.

Other features call `record` / `recent_events`; the recommender subscribes with
`listeners(state.services).append(callback)` to update a profile as soon as someone likes,
saves or dislikes something.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from atelier.db.models import Image, Interaction, Model
from atelier.errors import InvalidInputError, NotFoundError

logger = logging.getLogger(__name__)

ITEM_TYPES = ("image", "lora")
KINDS = ("view", "click", "like", "dislike", "save", "unsave", "hide")
# Events that change what a person is known to like; listeners hear only these.
TASTE_KINDS = frozenset({"like", "dislike", "save", "unsave", "hide"})
MAX_BATCH = 100
LISTENERS_KEY = "interaction_listeners"


@dataclass(frozen=True, slots=True)
class InteractionEvent:
    """One logged event."""

    user_id: int
    item_type: str
    item_id: int
    kind: str
    created_at: datetime


Listener = Callable[[InteractionEvent], None]


def listeners(services: dict[str, Any]) -> list[Listener]:
    """The listener list kept in `AppState.services` (created on first use)."""
    found: list[Listener] = services.setdefault(LISTENERS_KEY, [])
    return found


def notify(subscribers: Sequence[Listener], events: Iterable[InteractionEvent]) -> None:
    """Tell every listener about each taste event, after the write has committed."""
    for event in events:
        if event.kind not in TASTE_KINDS:
            continue
        for listener in subscribers:
            try:
                listener(event)
            except Exception:
                # The event is already stored; a failing subscriber must not fail the request.
                logger.exception("interaction listener %r failed", listener)


def ensure_items(db: Session, refs: Iterable[tuple[str, int]]) -> None:
    """404 naming the first item that is not in the catalog (LoRAs: models of a LoRA type)."""
    wanted: dict[str, set[int]] = {"image": set(), "lora": set()}
    for item_type, item_id in refs:
        if item_type not in wanted:
            raise InvalidInputError(f"item_type must be one of {', '.join(ITEM_TYPES)}")
        wanted[item_type].add(item_id)
    if wanted["image"]:
        found = set(db.scalars(select(Image.id).where(Image.id.in_(wanted["image"]))))
        missing = sorted(wanted["image"] - found)
        if missing:
            raise NotFoundError(f"image {missing[0]} not found")
    if wanted["lora"]:
        found = set(db.scalars(select(Model.id).where(Model.id.in_(wanted["lora"]), Model.is_lora)))
        missing = sorted(wanted["lora"] - found)
        if missing:
            raise NotFoundError(f"LoRA {missing[0]} not found")


def record_many(
    db: Session,
    user_id: int,
    events: Sequence[tuple[str, int, str]],
    *,
    check_items: bool = True,
) -> list[InteractionEvent]:
    """Append (item_type, item_id, kind) events in one INSERT; the caller commits."""
    if not events:
        return []
    for _item_type, _item_id, kind in events:
        if kind not in KINDS:
            raise InvalidInputError(f"kind must be one of {', '.join(KINDS)}")
    if check_items:
        ensure_items(db, ((t, i) for t, i, _k in events))
    now = datetime.now(UTC)
    logged = [InteractionEvent(user_id, t, i, k, now) for t, i, k in events]
    db.execute(
        insert(Interaction).values(
            [
                {
                    "user_id": e.user_id,
                    "item_type": e.item_type,
                    "item_id": e.item_id,
                    "kind": e.kind,
                    "created_at": e.created_at,
                }
                for e in logged
            ]
        )
    )
    return logged


def record(db: Session, user_id: int, item_type: str, item_id: int, kind: str) -> InteractionEvent:
    """Append one event (validated against the catalog); the caller commits."""
    return record_many(db, user_id, [(item_type, item_id, kind)])[0]


def log_events(
    db: Session,
    user_id: int,
    events: Sequence[tuple[str, int, str]],
    subscribers: Sequence[Listener] = (),
) -> int:
    """What `POST /api/interactions` does: validate, store, commit, then notify listeners."""
    if len(events) > MAX_BATCH:
        raise InvalidInputError(f"at most {MAX_BATCH} events per request")
    logged = record_many(db, user_id, events)
    db.commit()
    notify(subscribers, logged)
    return len(logged)


def recent_events(db: Session, user_id: int, limit: int = 100) -> list[InteractionEvent]:
    """A person's latest events, newest first."""
    rows = db.execute(
        select(Interaction.item_type, Interaction.item_id, Interaction.kind, Interaction.created_at)
        .where(Interaction.user_id == user_id)
        .order_by(Interaction.created_at.desc(), Interaction.id.desc())
        .limit(max(0, limit))
    ).all()
    return [
        InteractionEvent(user_id, t, i, k, c if c.tzinfo else c.replace(tzinfo=UTC))
        for t, i, k, c in rows
    ]
