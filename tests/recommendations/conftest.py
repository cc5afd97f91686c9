"""Fixtures for recommendation tests: one app per module over the sample catalog with
hashing-embedder indexes (deterministic, no model files), and helpers that act as a person.

Tests in a module share the app and database but each registers its own person, so what one
test likes never reaches another's feed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select

from atelier.api.auth import passwords
from atelier.api.factory import build_app
from atelier.api.state import AppState
from atelier.db.engine import make_engine
from atelier.db.models import Image, ImageResource, ModelTag
from atelier.embed.hashing import HashingEmbedder
from atelier.services.indexing import refresh_search_indexes
from atelier.services.recommendations.service import RecommendationService
from atelier.services.visibility import Visibility
from tests.api.conftest import FAST_HASHER, CsrfClient, app_state, make_settings


@pytest.fixture(autouse=True, scope="module")
def _fast_password_hashing() -> Iterator[None]:
    """Cheap argon2id: these tests register many people (the product keeps the defaults)."""
    original = passwords._hasher
    passwords._hasher = FAST_HASHER
    passwords._dummy_hash.cache_clear()
    try:
        yield
    finally:
        passwords._hasher = original
        passwords._dummy_hash.cache_clear()


@pytest.fixture(scope="module")
def rec_engine(module_catalog_url: str) -> Iterator[Engine]:
    built = make_engine(module_catalog_url)
    yield built
    built.dispose()


@pytest.fixture(scope="module")
def rec_data_dir(tmp_path_factory: pytest.TempPathFactory, rec_engine: Engine) -> Any:
    data_dir = tmp_path_factory.mktemp("recommend")
    refresh_search_indexes(rec_engine, HashingEmbedder(), data_dir, "exact")
    return data_dir


@pytest.fixture(scope="module")
def rec_app(rec_data_dir: Any, module_catalog_url: str) -> FastAPI:
    settings = make_settings(
        rec_data_dir, module_catalog_url, embedder="hashing", vector_index="exact"
    )
    return build_app(settings)


@pytest.fixture(scope="module")
def rec_client(rec_app: FastAPI) -> Iterator[CsrfClient]:
    """Anonymous client of the module's app (the lifespan runs once per module)."""
    with CsrfClient(rec_app) as client:
        yield client


@pytest.fixture
def person(rec_app: FastAPI, rec_client: CsrfClient) -> CsrfClient:
    """A freshly registered person on the module's app."""
    other = CsrfClient(rec_app)
    other.register()
    return other


def state_of(client: CsrfClient) -> AppState:
    return app_state(client)


def service_of(client: CsrfClient) -> RecommendationService:
    found = state_of(client).services["recommendations"]
    assert isinstance(found, RecommendationService)
    return found


def feed(client: CsrfClient, limit: int = 20, cursor: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit}
    if cursor:
        params["cursor"] = cursor
    response = client.get("/api/recommendations/images", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def feed_ids(client: CsrfClient, limit: int = 20) -> list[int]:
    return [item["image"]["id"] for item in feed(client, limit)["data"]]


def suggestions(client: CsrfClient, limit: int = 10) -> dict[str, Any]:
    response = client.get("/api/recommendations/loras", params={"limit": limit})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def act(client: CsrfClient, item_type: str, item_id: int, kind: str) -> None:
    if kind == "save":
        path = f"/api/favorites/{item_type}s/{item_id}"
        response = client.put(path)
        assert response.status_code == 200, response.text
        return
    response = client.post(
        "/api/interactions", json={"item_type": item_type, "item_id": item_id, "kind": kind}
    )
    assert response.status_code == 202, response.text


def neighbours(client: CsrfClient, image_id: int, n: int = 15) -> list[int]:
    """The image's nearest visible images, by the same index search uses."""
    search = state_of(client).services["search"]
    return [hit.item_id for hit in search.similar("images", image_id, Visibility(), n)]


def loras_of(client: CsrfClient, image_ids: list[int]) -> dict[int, set[int]]:
    """LoRAs linked to each image."""
    out: dict[int, set[int]] = {i: set() for i in image_ids}
    with state_of(client).sessions() as db:
        for image_id, model_id in db.execute(
            select(ImageResource.image_id, ImageResource.model_id).where(
                ImageResource.image_id.in_(image_ids), ImageResource.is_lora
            )
        ):
            out[int(image_id)].add(int(model_id))
    return out


def image_tags(client: CsrfClient, image_ids: list[int]) -> dict[int, set[str]]:
    """Tags each image carries through the models that made it (what blocking matches)."""
    out: dict[int, set[str]] = {i: set() for i in image_ids}
    with state_of(client).sessions() as db:
        for image_id, tag in db.execute(
            select(ImageResource.image_id, ModelTag.tag)
            .join(ModelTag, ModelTag.model_id == ImageResource.model_id)
            .where(ImageResource.image_id.in_(image_ids))
        ):
            out[int(image_id)].add(tag)
    return out


def image_levels(client: CsrfClient, image_ids: list[int]) -> dict[int, int]:
    with state_of(client).sessions() as db:
        rows = db.execute(
            select(Image.id, Image.content_level).where(Image.id.in_(image_ids))
        ).all()
    return {int(i): int(level) for i, level in rows}
