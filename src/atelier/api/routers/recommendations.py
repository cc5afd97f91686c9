"""Recommendations: the image feed, LoRA suggestions and onboarding; the service's startup hook.

The feed and suggestions answer anonymous visitors too, with the popular-and-diverse feed at
the safe content level (`personalised: false`), so the home page is never empty or an error.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from atelier.api.auth.deps import CsrfProtected, CurrentUser, OptionalUser
from atelier.api.deps import DbSession, StateDep
from atelier.api.schemas.recommendations import (
    OnboardedPublic,
    OnboardingPicks,
    OnboardingPublic,
    RecommendedImagesPublic,
    RecommendedLorasPublic,
)
from atelier.api.state import AppState
from atelier.errors import AtelierError
from atelier.services import interactions
from atelier.services.recommendations.config import RecommendConfig
from atelier.services.recommendations.service import (
    RecommendationService,
    build_recommendation_service,
)
from atelier.services.search.service import SearchService

logger = logging.getLogger(__name__)

SERVICE_KEY = "recommendations"

router = APIRouter(tags=["recommendations"], dependencies=[CsrfProtected])


class RecommendationsUnavailableError(AtelierError):
    """The recommendation service failed to start."""

    status_code = 503


def install_recommendations(state: AppState) -> None:
    """Startup hook (after search's): build the service, subscribe it to taste events, and
    load or train the collaborative model in the background."""
    search = state.services.get("search")
    if not isinstance(search, SearchService):
        logger.warning("no search service: recommendations are off")
        return
    config = RecommendConfig.from_settings(state.settings)
    service = build_recommendation_service(state.engine, search, config)
    state.services[SERVICE_KEY] = service
    interactions.listeners(state.services).append(service.on_event)
    service.start()


async def get_recommendations(state: StateDep) -> RecommendationService:
    # Async: a dictionary lookup needs no worker-thread hop (a sync dependency costs one).
    service = state.services.get(SERVICE_KEY)
    if not isinstance(service, RecommendationService):
        raise RecommendationsUnavailableError("recommendations are not available")
    return service


RecommendDep = Annotated[RecommendationService, Depends(get_recommendations)]


@router.get(
    "/api/recommendations/images",
    summary="Your image feed, each image with a reason (popular and diverse when signed out)",
)
def recommended_images(
    db: DbSession,
    user: OptionalUser,
    service: RecommendDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> RecommendedImagesPublic:
    return RecommendedImagesPublic.of(service.image_feed(db, user, limit, cursor))


@router.get(
    "/api/recommendations/loras",
    summary="LoRAs for you, each with a reason (popular and diverse when signed out)",
)
def recommended_loras(
    db: DbSession,
    user: OptionalUser,
    service: RecommendDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> RecommendedLorasPublic:
    return RecommendedLorasPublic.of(service.lora_suggestions(db, user, limit))


@router.get("/api/onboarding", summary="Styles, tags and base models to start a feed from")
def onboarding_offer(db: DbSession, user: OptionalUser, service: RecommendDep) -> OnboardingPublic:
    return OnboardingPublic.of(service.onboarding_offer(db, user))


@router.post(
    "/api/onboarding",
    summary="Store your picks as liked tags and base models, and finish onboarding",
    responses={422: {"description": "an unknown style id"}},
)
def onboarding_picks(
    body: OnboardingPicks, db: DbSession, user: CurrentUser, service: RecommendDep
) -> OnboardedPublic:
    profile = service.apply_onboarding(db, user, body.styles, body.tags, body.base_models)
    return OnboardedPublic.of(profile)
