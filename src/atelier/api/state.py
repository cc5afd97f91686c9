"""Heavy objects built once per app in its lifespan, reached by handlers through dependencies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from atelier.config import Settings


@dataclass
class AppState:
    """Everything a request may need that is too costly to build per request."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    # Services registered by feature modules (search, recommendations, ...), by name.
    services: dict[str, Any] = field(default_factory=dict)
