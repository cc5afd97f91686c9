"""Dependency aliases for handlers: the app state, a database session, settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from atelier.api.state import AppState
from atelier.config import Settings


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.atelier
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_db(state: StateDep) -> Iterator[Session]:
    """A session per request; handlers commit explicitly, anything uncommitted rolls back."""
    with state.sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(get_db)]


async def get_settings(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
