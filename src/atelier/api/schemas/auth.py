"""Schemas of the auth routes: credentials and the CSRF token."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from atelier.api.auth.passwords import MAX_LENGTH
from atelier.api.schemas import PlainText


class Credentials(BaseModel):
    """A username and password, for registering and for logging in."""

    model_config = ConfigDict(extra="forbid")

    username: PlainText = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=MAX_LENGTH)


class CsrfPublic(BaseModel):
    """The CSRF token to send back in the X-CSRF-Token header."""

    token: str
