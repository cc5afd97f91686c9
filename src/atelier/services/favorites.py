"""Saved images and LoRAs: idempotent save/unsave, pages newest first, and display cards."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from atelier.db.models import Favorite, Image, Model, ModelVersion
from atelier.errors import InvalidInputError
from atelier.services import interactions
from atelier.services.interactions import InteractionEvent
from atelier.services.lru import LruCache
from atelier.services.visibility import Visibility

PROMPT_EXCERPT_CHARS = 200
MAX_PAGE = 100


def _utc(value: datetime) -> datetime:
    # SQLite returns naive datetimes; everything Atelier writes is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(frozen=True, slots=True)
class ImageCard:
    """What a grid needs to show an image."""

    id: int
    url: str
    width: int | None
    height: int | None
    blurhash: str | None
    prompt_excerpt: str
    content_level: int


@dataclass(frozen=True, slots=True)
class LoraCard:
    """What a list needs to show a LoRA: name, creator, base model and a preview image."""

    id: int
    name: str
    creator: str | None
    base_model: str | None
    preview: ImageCard | None


def _excerpt(prompt: str | None) -> str:
    text = " ".join((prompt or "").split())
    if len(text) <= PROMPT_EXCERPT_CHARS:
        return text
    return text[: PROMPT_EXCERPT_CHARS - 1].rstrip() + "\u2026"


# Only the columns a card shows: a whole Image row also decodes its JSON metadata and a
# whole Model row its description, which made cards the slowest part of a search page.
_IMAGE_CARD_COLUMNS = (
    Image.id,
    Image.url,
    Image.width,
    Image.height,
    Image.blurhash,
    Image.prompt,
    Image.content_level,
)


def image_cards(db: Session, ids: Sequence[int], visibility: Visibility) -> dict[int, ImageCard]:
    """Cards for the images among `ids` this viewer may see."""
    if not ids:
        return {}
    rows = db.execute(
        select(*_IMAGE_CARD_COLUMNS).where(Image.id.in_(list(ids)), visibility.image_clause())
    ).tuples()
    return {
        image_id: ImageCard(image_id, url, width, height, blurhash, _excerpt(prompt), level)
        for image_id, url, width, height, blurhash, prompt, level in rows
    }


# LoRA ids -> each one's first showcase image id this viewer may see (for card previews).
FirstImages = Callable[[Sequence[int], Visibility], dict[int, int]]


def first_showcase_images(
    db: Session, model_ids: Sequence[int], visibility: Visibility
) -> dict[int, int]:
    """Each model's first showcase image the viewer may see (first version by position, then
    lowest image id), by a window query over every image of those models."""
    ranked = (
        select(
            ModelVersion.model_id.label("model_id"),
            Image.id.label("image_id"),
            func.row_number()
            .over(
                partition_by=ModelVersion.model_id,
                order_by=(ModelVersion.position, Image.id),
            )
            .label("rank"),
        )
        .join(ModelVersion, ModelVersion.id == Image.posted_version_id)
        .where(ModelVersion.model_id.in_(list(model_ids)), visibility.image_clause())
        .subquery()
    )
    return dict(
        db.execute(select(ranked.c.model_id, ranked.c.image_id).where(ranked.c.rank == 1))
        .tuples()
        .all()
    )


def lora_cards(
    db: Session,
    ids: Sequence[int],
    visibility: Visibility,
    first_images: FirstImages | None = None,
) -> dict[int, LoraCard]:
    """Cards for the LoRAs among `ids` this viewer may see, each with the base model of its
    newest version and the first showcase image the viewer may see (from `first_images`
    when the caller holds that order in memory, else from the database)."""
    if not ids:
        return {}
    models = db.execute(
        select(Model.id, Model.name, Model.creator).where(
            Model.id.in_(list(ids)), Model.is_lora, visibility.model_clause()
        )
    ).all()
    if not models:
        return {}
    found = [m.id for m in models]
    base: dict[int, str | None] = {}
    for model_id, base_model in db.execute(
        select(ModelVersion.model_id, ModelVersion.base_model)
        .where(ModelVersion.model_id.in_(found))
        .order_by(ModelVersion.model_id, ModelVersion.position, ModelVersion.id.desc())
    ).tuples():
        base.setdefault(model_id, base_model)
    firsts = (
        first_images(found, visibility)
        if first_images is not None
        else first_showcase_images(db, found, visibility)
    )
    # The database has the last word on what this viewer may see, whichever picked it.
    previews = image_cards(db, list(firsts.values()), visibility)
    return {
        m.id: LoraCard(
            m.id,
            m.name,
            m.creator,
            base.get(m.id),
            previews.get(firsts[m.id]) if m.id in firsts else None,
        )
        for m in models
    }


class LoraCardCache:
    """`lora_cards` through an LRU keyed by (viewer limits, LoRA).

    Search pages and suggestions keep naming the same LoRAs, and a card costs three queries
    (plus a window query over every image of its model when no `first_images` is given:
    about 4 ms for a page of popular LoRAs on the full catalog). Cards are catalog data, as
    fresh as the search snapshot that is rebuilt with the services; a LoRA the viewer may not
    see is remembered as None.
    """

    def __init__(self, size: int, first_images: FirstImages | None = None) -> None:
        self._cards: LruCache[LoraCard | None] = LruCache(size)
        self._first_images = first_images

    @property
    def capacity(self) -> int:
        return self._cards.capacity

    def warm(
        self, db: Session, ids: Sequence[int], visibility: Visibility, batch: int = 500
    ) -> None:
        """Fill the cache for these LoRAs (best first, at most its capacity) in batches."""
        wanted = list(ids)[: self.capacity]
        for start in range(0, len(wanted), batch):
            self.cards(db, wanted[start : start + batch], visibility)

    def cards(self, db: Session, ids: Sequence[int], visibility: Visibility) -> dict[int, LoraCard]:
        """Cards for the LoRAs among `ids` this viewer may see."""
        known = self._cards.get_many((visibility, i) for i in ids)
        missing = [i for i in ids if (visibility, i) not in known]
        fresh = lora_cards(db, missing, visibility, self._first_images) if missing else {}
        self._cards.put_many({(visibility, i): fresh.get(i) for i in missing})
        found = {i: known.get((visibility, i)) or fresh.get(i) for i in ids}
        return {i: card for i, card in found.items() if card is not None}


def save(
    db: Session,
    user_id: int,
    item_type: str,
    item_id: int,
    subscribers: Sequence[interactions.Listener] = (),
) -> None:
    """Save an item (404 if unknown); saving twice is one row. A `save` event is logged only
    when the row is new, so repeated or concurrent saves leave one row and one event."""
    interactions.ensure_items(db, [(item_type, item_id)])
    values = {
        "user_id": user_id,
        "item_type": item_type,
        "item_id": item_id,
        "created_at": datetime.now(UTC),
    }
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert(Favorite) if dialect == "postgresql" else sqlite.insert(Favorite)
    # RETURNING says whether this request created the row (rowcount is unreliable for
    # ON CONFLICT DO NOTHING across drivers).
    created = db.execute(
        insert.values(values).on_conflict_do_nothing().returning(Favorite.item_id)
    ).first()
    events: list[InteractionEvent] = []
    if created is not None:
        events = interactions.record_many(
            db, user_id, [(item_type, item_id, "save")], check_items=False
        )
    db.commit()
    interactions.notify(subscribers, events)


def unsave(
    db: Session,
    user_id: int,
    item_type: str,
    item_id: int,
    subscribers: Sequence[interactions.Listener] = (),
) -> None:
    """Remove a saved item (404 if unknown to the catalog; no-op if not saved)."""
    interactions.ensure_items(db, [(item_type, item_id)])
    removed = db.execute(
        delete(Favorite)
        .where(
            Favorite.user_id == user_id,
            Favorite.item_type == item_type,
            Favorite.item_id == item_id,
        )
        .returning(Favorite.item_id)
    ).first()
    events: list[InteractionEvent] = []
    if removed is not None:
        events = interactions.record_many(
            db, user_id, [(item_type, item_id, "unsave")], check_items=False
        )
    db.commit()
    interactions.notify(subscribers, events)


def saved_ids(db: Session, user_id: int, item_type: str, ids: Sequence[int]) -> set[int]:
    """Which of `ids` this person has saved (for "saved" marks on other pages)."""
    if not ids:
        return set()
    return set(
        db.scalars(
            select(Favorite.item_id).where(
                Favorite.user_id == user_id,
                Favorite.item_type == item_type,
                Favorite.item_id.in_(list(ids)),
            )
        )
    )


@dataclass(frozen=True, slots=True)
class FavoriteEntry:
    """One saved item with its card."""

    item_type: str
    item_id: int
    saved_at: datetime
    image: ImageCard | None
    lora: LoraCard | None


@dataclass(frozen=True, slots=True)
class FavoritesPage:
    """A page of saved items, the total the viewer may see, and the next page's cursor."""

    items: list[FavoriteEntry]
    count: int
    next_cursor: str | None


def encode_cursor(saved_at: datetime, item_id: int) -> str:
    raw = f"{_utc(saved_at).isoformat()}|{item_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (saved_at, item_id) a cursor points after; 422 for anything not made by us."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, item = raw.partition("|")
        saved_at, item_id = _utc(datetime.fromisoformat(stamp)), int(item)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInputError("invalid cursor") from None
    if not 0 < item_id < 2**63:
        raise InvalidInputError("invalid cursor")
    return saved_at, item_id


def _visible(item_type: str, visibility: Visibility) -> ColumnElement[bool]:
    # Correlated to the favorite's own row, so only the page's items are checked, never the
    # whole catalog.
    if item_type == "image":
        return exists(
            select(Image.id).where(Image.id == Favorite.item_id, visibility.image_clause())
        )
    return exists(
        select(Model.id).where(
            Model.id == Favorite.item_id, Model.is_lora, visibility.model_clause()
        )
    )


def list_favorites(
    db: Session,
    user_id: int,
    item_type: str,
    visibility: Visibility,
    limit: int = 30,
    cursor: str | None = None,
) -> FavoritesPage:
    """Saved items of one kind, newest first, only those the viewer may see now."""
    limit = max(1, min(limit, MAX_PAGE))
    where = [Favorite.user_id == user_id, Favorite.item_type == item_type]
    where.append(_visible(item_type, visibility))
    count = db.scalar(select(func.count()).select_from(Favorite).where(*where)) or 0
    if cursor:
        saved_at, item_id = decode_cursor(cursor)
        where.append(
            or_(
                Favorite.created_at < saved_at,
                and_(Favorite.created_at == saved_at, Favorite.item_id < item_id),
            )
        )
    rows = db.execute(
        select(Favorite.item_id, Favorite.created_at)
        .where(*where)
        .order_by(Favorite.created_at.desc(), Favorite.item_id.desc())
        .limit(limit + 1)
    ).all()
    page = rows[:limit]
    ids = [item_id for item_id, _ in page]
    images = image_cards(db, ids, visibility) if item_type == "image" else {}
    loras = lora_cards(db, ids, visibility) if item_type == "lora" else {}
    items = [
        FavoriteEntry(item_type, item_id, _utc(saved), images.get(item_id), loras.get(item_id))
        for item_id, saved in page
    ]
    next_cursor = encode_cursor(page[-1][1], page[-1][0]) if len(rows) > limit else None
    return FavoritesPage(items, count, next_cursor)
