"""What a viewer may see: content level, blocked tags and real-person models, as SQL clauses.

Every list Atelier serves (search, details, feeds, favorites) filters through this one place, so
a blocked tag disappears everywhere at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, exists, select, true

from atelier.db.models import Image, ImageResource, Model, ModelTag, User


def normalise_tag(tag: str) -> str:
    """Tags compare case- and space-insensitively, as the catalog stores them."""
    return " ".join(tag.strip().lower().split())


@dataclass(frozen=True, slots=True)
class Visibility:
    """A viewer's limits; anonymous viewers get the safe defaults (PG only, no poi)."""

    max_level: int = 0
    blocked_tags: frozenset[str] = field(default_factory=frozenset)
    show_poi: bool = False

    @classmethod
    def for_user(cls, user: User | None) -> Visibility:
        if user is None:
            return cls()
        return cls(
            max_level=max(0, min(3, user.max_content_level)),
            blocked_tags=frozenset(normalise_tag(t) for t in user.blocked_tags or [] if t.strip()),
            show_poi=bool(user.show_poi),
        )

    def with_extra_blocked(self, tags: Iterable[str]) -> Visibility:
        """The same limits plus tags excluded for one request."""
        extra = {normalise_tag(t) for t in tags if t.strip()}
        return Visibility(self.max_level, self.blocked_tags | extra, self.show_poi)

    def capped(self, level: int | None) -> Visibility:
        """A request may ask for less than the viewer's maximum, never more."""
        if level is None:
            return self
        return Visibility(max(0, min(level, self.max_level)), self.blocked_tags, self.show_poi)

    def model_clause(self) -> ColumnElement[bool]:
        """Models (LoRAs) this viewer may see."""
        clauses: list[ColumnElement[bool]] = [Model.content_level <= self.max_level]
        if not self.show_poi:
            clauses.append(Model.poi.is_(False))
        if self.blocked_tags:
            clauses.append(
                ~exists(
                    select(ModelTag.model_id).where(
                        ModelTag.model_id == Model.id, ModelTag.tag.in_(sorted(self.blocked_tags))
                    )
                )
            )
        return and_(true(), *clauses)

    def image_clause(self) -> ColumnElement[bool]:
        """Images this viewer may see: level, and no blocked tag on the models that made it or
        whose showcase it is, and no real-person model among them unless allowed."""
        clauses: list[ColumnElement[bool]] = [Image.content_level <= self.max_level]
        if self.blocked_tags:
            clauses.append(
                ~exists(
                    select(ImageResource.image_id)
                    .join(ModelTag, ModelTag.model_id == ImageResource.model_id)
                    .where(
                        ImageResource.image_id == Image.id,
                        ModelTag.tag.in_(sorted(self.blocked_tags)),
                    )
                )
            )
        if not self.show_poi:
            clauses.append(
                ~exists(
                    select(ImageResource.image_id)
                    .join(Model, Model.id == ImageResource.model_id)
                    .where(ImageResource.image_id == Image.id, Model.poi.is_(True))
                )
            )
        return and_(true(), *clauses)
