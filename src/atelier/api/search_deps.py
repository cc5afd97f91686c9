"""The search service as a dependency, built once in the app's lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from atelier.api.deps import StateDep
from atelier.api.state import AppState
from atelier.errors import AtelierError
from atelier.services.search.service import SearchService
from atelier.services.search.setup import build_search_service


class SearchUnavailableError(AtelierError):
    """The search service failed to start."""

    status_code = 503


def install_search(state: AppState) -> None:
    """Startup hook: load the snapshot, the embedder and the saved indexes."""
    service = build_search_service(
        state.engine, state.settings, phrase_memory=state.settings.query_phrase_memory
    )
    service.warm_lora_cards()
    state.services["search"] = service


async def get_search(state: StateDep) -> SearchService:
    # Async: a dictionary lookup needs no worker-thread hop (a sync dependency costs one).
    service = state.services.get("search")
    if not isinstance(service, SearchService):
        raise SearchUnavailableError("search is not available")
    return service


SearchDep = Annotated[SearchService, Depends(get_search)]
