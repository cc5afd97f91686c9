"""The app with every feature wired in: what `atelier serve` runs and the API tests build.

Each feature lists its routers in `_routers` and, when it needs heavy objects, a startup hook in
`_startup_hooks` (one line each, so features never touch each other's code).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from atelier.api.app import StartupHook, create_app
from atelier.api.routers import (
    auth,
    collections,
    favorites,
    images,
    interactions,
    loras,
    me,
    recommendations,
    search,
)
from atelier.api.search_deps import install_search
from atelier.config import Settings


def _routers() -> list[APIRouter]:
    return [
        auth.router,
        me.router,
        favorites.router,
        collections.router,
        interactions.router,
        images.router,
        loras.router,
        search.router,
        recommendations.router,
    ]


def _startup_hooks() -> list[StartupHook]:
    return [install_search, recommendations.install_recommendations]


def build_app(settings: Settings | None = None) -> FastAPI:
    """The full Atelier app for these settings."""
    return create_app(settings, startup_hooks=_startup_hooks(), routers=_routers())
