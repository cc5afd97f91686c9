"""Schemas of the signed-in person: profile, preferences, password change, deletion."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from atelier.api.auth.passwords import MAX_LENGTH
from atelier.api.auth.sessions import as_utc
from atelier.api.schemas import PlainText
from atelier.services.accounts import (
    MAX_CONTENT_LEVEL,
    MAX_PREFERENCE_CHARS,
    MAX_PREFERENCE_ITEMS,
    Profile,
)

ShortText = Annotated[PlainText, Field(max_length=MAX_PREFERENCE_CHARS)]
ShortList = Annotated[list[ShortText], Field(max_length=MAX_PREFERENCE_ITEMS)]


class PreferencesPublic(BaseModel):
    """What a person likes, blocks and allows."""

    liked_tags: list[str]
    blocked_tags: list[str]
    base_models: list[str]
    max_content_level: int = Field(description="0 None (PG, the default) .. 3 X")
    show_poi: bool = Field(description="show models and images of real people")


class PreferencesUpdate(BaseModel):
    """Fields to change; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    liked_tags: ShortList | None = None
    blocked_tags: ShortList | None = None
    base_models: ShortList | None = None
    max_content_level: int | None = Field(None, ge=0, le=MAX_CONTENT_LEVEL)
    show_poi: bool | None = None


class MePublic(BaseModel):
    """The signed-in person's profile."""

    username: str
    created_at: datetime
    preferences: PreferencesPublic
    onboarded: bool
    saved_images: int
    saved_loras: int

    @classmethod
    def of(cls, profile: Profile) -> MePublic:
        user = profile.user
        return cls(
            username=user.username,
            created_at=as_utc(user.created_at),
            preferences=PreferencesPublic(
                liked_tags=list(user.liked_tags or []),
                blocked_tags=list(user.blocked_tags or []),
                base_models=list(user.base_models or []),
                max_content_level=user.max_content_level,
                show_poi=user.show_poi,
            ),
            onboarded=user.onboarded,
            saved_images=profile.saved_images,
            saved_loras=profile.saved_loras,
        )


class PasswordChange(BaseModel):
    """The current password (to confirm) and the new one."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=MAX_LENGTH)
    new_password: str = Field(min_length=1, max_length=MAX_LENGTH)


class AccountDelete(BaseModel):
    """The password, to confirm deleting the account and all its data."""

    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=MAX_LENGTH)
