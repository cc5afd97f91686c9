"""Named, private collections of saved images and LoRAs, in the order their owner chooses."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atelier.db.models import Collection, CollectionItem
from atelier.errors import ConflictError, InvalidInputError, NotFoundError
from atelier.services import interactions
from atelier.services.favorites import ImageCard, LoraCard, image_cards, lora_cards
from atelier.services.visibility import Visibility

NAME_MAX = 120
MAX_COLLECTIONS = 500
MAX_ITEMS = 1000


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def clean_name(raw: str) -> str:
    """Trimmed, NFC, 1-120 characters, no control characters."""
    name = unicodedata.normalize("NFC", raw).strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise InvalidInputError(f"collection name must be 1 to {NAME_MAX} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise InvalidInputError("collection name must not contain control characters")
    return name


@dataclass(frozen=True, slots=True)
class CollectionSummary:
    """A collection with its number of items."""

    collection: Collection
    item_count: int


@dataclass(frozen=True, slots=True)
class CollectionEntry:
    """One item of a collection, with its card when the viewer may see it."""

    item_type: str
    item_id: int
    position: int
    added_at: datetime
    image: ImageCard | None
    lora: LoraCard | None


@dataclass(frozen=True, slots=True)
class CollectionDetail:
    """A collection and its items in order."""

    summary: CollectionSummary
    items: list[CollectionEntry]


def get_owned(db: Session, user_id: int, collection_id: int) -> Collection:
    """The collection if this person owns it; 404 otherwise (never 403, which would tell a
    stranger the id exists)."""
    found = db.scalar(
        select(Collection).where(Collection.id == collection_id, Collection.user_id == user_id)
    )
    if found is None:
        raise NotFoundError(f"collection {collection_id} not found")
    return found


def _item_count(db: Session, collection_id: int) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(CollectionItem)
            .where(CollectionItem.collection_id == collection_id)
        )
        or 0
    )


def _name_taken(db: Session, user_id: int, name: str, except_id: int | None = None) -> bool:
    # Case-insensitive, so "Ideas" and "ideas" cannot both exist for one person.
    query = select(Collection.id).where(
        Collection.user_id == user_id, func.lower(Collection.name) == name.lower()
    )
    if except_id is not None:
        query = query.where(Collection.id != except_id)
    return db.scalar(query.limit(1)) is not None


def _commit_named(db: Session) -> None:
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise ConflictError("you already have a collection with that name") from None


def create(db: Session, user_id: int, raw_name: str) -> CollectionSummary:
    """A new, private, empty collection; 409 for a name this person already uses."""
    name = clean_name(raw_name)
    owned = db.scalar(select(func.count()).where(Collection.user_id == user_id)) or 0
    if owned >= MAX_COLLECTIONS:
        raise InvalidInputError(f"at most {MAX_COLLECTIONS} collections per person")
    if _name_taken(db, user_id, name):
        raise ConflictError("you already have a collection with that name")
    now = datetime.now(UTC)
    collection = Collection(
        user_id=user_id, name=name, is_private=True, created_at=now, updated_at=now
    )
    db.add(collection)
    _commit_named(db)
    return CollectionSummary(collection, 0)


def list_owned(db: Session, user_id: int) -> list[CollectionSummary]:
    """This person's collections, most recently changed first, with item counts."""
    counts = (
        select(CollectionItem.collection_id, func.count().label("n"))
        .group_by(CollectionItem.collection_id)
        .subquery()
    )
    rows = db.execute(
        select(Collection, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.collection_id == Collection.id)
        .where(Collection.user_id == user_id)
        .order_by(Collection.updated_at.desc(), Collection.id.desc())
    ).tuples()
    return [CollectionSummary(c, int(n)) for c, n in rows]


def detail(db: Session, collection: Collection, visibility: Visibility) -> CollectionDetail:
    """The collection with its items in order; items the viewer may not see now are left out."""
    rows = db.execute(
        select(
            CollectionItem.item_type,
            CollectionItem.item_id,
            CollectionItem.position,
            CollectionItem.added_at,
        )
        .where(CollectionItem.collection_id == collection.id)
        .order_by(CollectionItem.position, CollectionItem.added_at, CollectionItem.item_id)
    ).all()
    images = image_cards(db, [i for t, i, _p, _a in rows if t == "image"], visibility)
    loras = lora_cards(db, [i for t, i, _p, _a in rows if t == "lora"], visibility)
    items = [
        CollectionEntry(t, i, p, _utc(a), images.get(i), loras.get(i))
        for t, i, p, a in rows
        if (t == "image" and i in images) or (t == "lora" and i in loras)
    ]
    return CollectionDetail(CollectionSummary(collection, len(rows)), items)


def _touch(collection: Collection) -> None:
    collection.updated_at = datetime.now(UTC)


def rename(db: Session, collection: Collection, raw_name: str) -> CollectionSummary:
    """Give the collection a new name (409 if this person already uses it)."""
    name = clean_name(raw_name)
    if _name_taken(db, collection.user_id, name, except_id=collection.id):
        raise ConflictError("you already have a collection with that name")
    collection.name = name
    _touch(collection)
    _commit_named(db)
    return CollectionSummary(collection, _item_count(db, collection.id))


def remove(db: Session, collection: Collection) -> None:
    """Delete the collection and its items (the catalog items themselves stay)."""
    db.execute(delete(CollectionItem).where(CollectionItem.collection_id == collection.id))
    db.delete(collection)
    db.commit()


def add_item(
    db: Session, collection: Collection, item_type: str, item_id: int, visibility: Visibility
) -> CollectionDetail:
    """Append an item (404 if not in the catalog); adding it again changes nothing."""
    interactions.ensure_items(db, [(item_type, item_id)])
    exists = db.scalar(
        select(CollectionItem.item_id).where(
            CollectionItem.collection_id == collection.id,
            CollectionItem.item_type == item_type,
            CollectionItem.item_id == item_id,
        )
    )
    if exists is None:
        count = _item_count(db, collection.id)
        if count >= MAX_ITEMS:
            raise InvalidInputError(f"a collection holds at most {MAX_ITEMS} items")
        last = db.scalar(
            select(func.max(CollectionItem.position)).where(
                CollectionItem.collection_id == collection.id
            )
        )
        db.add(
            CollectionItem(
                collection_id=collection.id,
                item_type=item_type,
                item_id=item_id,
                position=(last + 1) if last is not None else 0,
                added_at=datetime.now(UTC),
            )
        )
        _touch(collection)
        try:
            db.commit()
        except IntegrityError:
            # The same item added concurrently: the other request's row stands.
            db.rollback()
    return detail(db, collection, visibility)


def remove_item(
    db: Session, collection: Collection, item_type: str, item_id: int, visibility: Visibility
) -> CollectionDetail:
    """Take an item out; 404 if it is not in this collection."""
    removed = db.execute(
        delete(CollectionItem)
        .where(
            CollectionItem.collection_id == collection.id,
            CollectionItem.item_type == item_type,
            CollectionItem.item_id == item_id,
        )
        .returning(CollectionItem.item_id)
    ).first()
    if removed is None:
        db.rollback()
        raise NotFoundError(f"{item_type} {item_id} is not in this collection")
    _touch(collection)
    db.commit()
    return detail(db, collection, visibility)


def reorder(
    db: Session,
    collection: Collection,
    order: Sequence[tuple[str, int]],
    visibility: Visibility,
) -> CollectionDetail:
    """Set the order from the full list of the collection's items (422 if it is not exactly
    that set, so a stale client cannot silently drop or duplicate items)."""
    current = set(
        db.execute(
            select(CollectionItem.item_type, CollectionItem.item_id).where(
                CollectionItem.collection_id == collection.id
            )
        ).tuples()
    )
    if len(order) != len(set(order)) or set(order) != current:
        raise InvalidInputError("order must list every item of the collection exactly once")
    for position, (item_type, item_id) in enumerate(order):
        db.execute(
            update(CollectionItem)
            .where(
                CollectionItem.collection_id == collection.id,
                CollectionItem.item_type == item_type,
                CollectionItem.item_id == item_id,
            )
            .values(position=position)
        )
    _touch(collection)
    db.commit()
    return detail(db, collection, visibility)
