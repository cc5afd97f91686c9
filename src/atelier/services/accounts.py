"""Accounts: usernames, creation, profile with counts, preferences, and deletion."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atelier.db.models import Collection, CollectionItem, Favorite, Interaction, User, UserSession
from atelier.errors import ConflictError, InvalidInputError
from atelier.services.visibility import normalise_tag

USERNAME_MIN, USERNAME_MAX = 3, 32
# ASCII only: look-alike letters from other scripts would let one person impersonate another.
_USERNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?")
MAX_CONTENT_LEVEL = 3
MAX_PREFERENCE_ITEMS = 100
MAX_PREFERENCE_CHARS = 64


def normalise_username(raw: str) -> tuple[str, str]:
    """(display name, uniqueness key): NFKC, trimmed, ASCII letters/digits/`_.-`, 3-32 chars;
    the key is case-folded so "Ann" and "ann" are the same account."""
    name = unicodedata.normalize("NFKC", raw).strip()
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX:
        raise InvalidInputError(
            f"username must be {USERNAME_MIN} to {USERNAME_MAX} characters long"
        )
    if not _USERNAME.fullmatch(name):
        raise InvalidInputError(
            "username may use letters a-z, digits, '_', '.' and '-', "
            "and must start and end with a letter or digit"
        )
    return name, name.casefold()


def find_by_key(db: Session, username_key: str) -> User | None:
    """The account with this normalised username, if any."""
    return db.scalar(select(User).where(User.username_key == username_key))


def create_user(db: Session, username: str, username_key: str, password_hash: str) -> User:
    """Insert a new account with the safe defaults (content level 0, no poi); 409 if taken."""
    now = datetime.now(UTC)
    user = User(
        username=username,
        username_key=username_key,
        password_hash=password_hash,
        created_at=now,
        password_changed_at=now,
        max_content_level=0,
        show_poi=False,
        liked_tags=[],
        blocked_tags=[],
        base_models=[],
        onboarded=False,
    )
    db.add(user)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        # One generic answer: it says the name is unavailable, nothing about the account.
        raise ConflictError("username is not available") from None
    return user


@dataclass(frozen=True, slots=True)
class Profile:
    """What `GET /api/me` shows."""

    user: User
    saved_images: int
    saved_loras: int


def profile(db: Session, user: User) -> Profile:
    """The person with their counts of saved images and LoRAs."""
    counts = dict(
        db.execute(
            select(Favorite.item_type, func.count())
            .where(Favorite.user_id == user.id)
            .group_by(Favorite.item_type)
        )
        .tuples()
        .all()
    )
    return Profile(user, counts.get("image", 0), counts.get("lora", 0))


def _clean_tags(values: Iterable[str]) -> list[str]:
    out: dict[str, None] = {}
    for value in values:
        tag = normalise_tag(unicodedata.normalize("NFKC", value))
        if tag:
            out.setdefault(tag[:MAX_PREFERENCE_CHARS], None)
    return list(out)[:MAX_PREFERENCE_ITEMS]


def _clean_base_models(values: Iterable[str]) -> list[str]:
    # Base models keep their catalog spelling ("SDXL 1.0"); duplicates differ only in case.
    out: dict[str, str] = {}
    for value in values:
        name = " ".join(unicodedata.normalize("NFKC", value).split())[:MAX_PREFERENCE_CHARS]
        if name:
            out.setdefault(name.casefold(), name)
    return list(out.values())[:MAX_PREFERENCE_ITEMS]


@dataclass(frozen=True, slots=True)
class PreferencesChange:
    """Fields to change; None leaves a field as it is."""

    liked_tags: list[str] | None = None
    blocked_tags: list[str] | None = None
    base_models: list[str] | None = None
    max_content_level: int | None = None
    show_poi: bool | None = None


def update_preferences(db: Session, user: User, change: PreferencesChange) -> Profile:
    """Apply a preferences change; the only way the content level is ever raised."""
    if change.liked_tags is not None:
        user.liked_tags = _clean_tags(change.liked_tags)
    if change.blocked_tags is not None:
        user.blocked_tags = _clean_tags(change.blocked_tags)
    if change.base_models is not None:
        user.base_models = _clean_base_models(change.base_models)
    if change.max_content_level is not None:
        if not 0 <= change.max_content_level <= MAX_CONTENT_LEVEL:
            raise InvalidInputError(f"max_content_level must be 0 to {MAX_CONTENT_LEVEL}")
        user.max_content_level = change.max_content_level
    if change.show_poi is not None:
        user.show_poi = change.show_poi
    # Saving preferences, even unchanged ones, completes onboarding.
    user.onboarded = True
    db.commit()
    return profile(db, user)


def set_password_hash(db: Session, user: User, password_hash: str) -> None:
    """Store a new hash (caller commits)."""
    user.password_hash = password_hash
    user.password_changed_at = datetime.now(UTC)


def delete_user(db: Session, user: User) -> None:
    """Delete the account and everything it owns. Rows are removed explicitly as well as by the
    foreign keys' ON DELETE CASCADE, so nothing depends on SQLite's foreign-key pragma."""
    owned = select(Collection.id).where(Collection.user_id == user.id)
    db.execute(delete(CollectionItem).where(CollectionItem.collection_id.in_(owned)))
    db.execute(delete(Collection).where(Collection.user_id == user.id))
    db.execute(delete(Favorite).where(Favorite.user_id == user.id))
    db.execute(delete(Interaction).where(Interaction.user_id == user.id))
    db.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.delete(user)
    db.commit()
